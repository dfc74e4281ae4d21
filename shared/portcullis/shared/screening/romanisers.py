# ruff: noqa: RUF001, RUF002, RUF003  (letters of other scripts)
"""Dedicated readings of names in scripts whose general transliteration loses most: Japanese, Korean, Hebrew.

A name in another script gets two readings (`normalize.py`: anyascii's, and a second one; the scorer keeps the
better). The second is ICU's rules for the script (`transliteration.to_latin`), except for:
- Japanese (kana, with or without kanji): pykakasi's Hepburn reading, written as a loanword is heard
  (`ナイト ウルブス` `naito urubusu` -> `NAIT ULBS`): Japanese writes every consonant with a vowel after it, so
  the vowel that only carries a consonant (`u`; `o` after `t` and `d`) is dropped where a consonant or the end
  follows, long vowels are written once, and its one liquid is read as L (anyascii's reading, the other one,
  keeps the Japanese syllables and R);
- Korean (Hangul): korean-romanizer's Revised Romanization with its pronunciation rules, word by word (`룡 캉`
  `RYONG KANG`, anyascii reads `LYONG KANG`; `리룡남` `RIRYONGNAM`, anyascii one word a syllable, `LI LYONG NAM`:
  read syllable by syllable, foreign words written in Hangul fell apart, and the tuning pairs lost);
- Hebrew: the consonant skeleton, the letters that mostly write vowels (א, ע, ו, י, a final ה) dropped or read as
  the semivowels W and Y that the sound key ignores (`אלון` `LWN`, where anyascii reads `LVN`): the scorer's
  skeleton floor then compares the consonants alone (`ALON`: `LN`).
The packages are pure Python with their dictionaries inside (no download at run time); they are loaded on first
use, so a service that never sees such a name never loads them, and Latin names never reach this module.
"""

import re
from collections.abc import Callable
from functools import cache

#: A reader: a name in its script to Latin letters (upper or lower case, the normaliser folds them).
Reader = Callable[[str], str]


def _script_of(char: str) -> str | None:
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "Hangul"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "Kana"
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "Hebrew"
    return None


def dedicated_reader(text: str) -> Reader | None:
    """The dedicated reader for the name's script (Japanese, Korean, Hebrew), None for other scripts."""
    scripts = {script for script in map(_script_of, text) if script is not None}
    if not scripts:
        return None
    if "Kana" in scripts:  # kanji with kana is Japanese; pykakasi reads both
        return read_japanese
    if scripts == {"Hangul"}:
        return read_korean
    if scripts == {"Hebrew"}:
        return read_hebrew
    return None


@cache
def _kakasi() -> Callable[[str], list[dict[str, str]]]:
    import pykakasi  # type: ignore[import-not-found,import-untyped,unused-ignore]

    convert: Callable[[str], list[dict[str, str]]] = pykakasi.kakasi().convert  # type: ignore[no-untyped-call,unused-ignore]
    return convert


_CONSONANT = "bcdfghjkmnprstvwz"
# The vowel that only carries a consonant (`ku` in `erekutorikasu`, `to` in `naito`) before a consonant or the end;
_CARRIER_U_RE = re.compile(rf"(?<=[{_CONSONANT}])u(?=[{_CONSONANT}]|$)")
_CARRIER_O_RE = re.compile(rf"(?<=[td])o(?=[{_CONSONANT}]|$)")
_LONG_VOWEL_RE = re.compile(r"([aeiou])\1+")


def _as_loanword(word: str) -> str:
    """A Hepburn word as the foreign word it likely writes: long vowels once, carrier vowels dropped, R as L."""
    word = _LONG_VOWEL_RE.sub(r"\1", word)
    word = _CARRIER_O_RE.sub("", word)
    return _CARRIER_U_RE.sub("", word).replace("r", "l")


def read_japanese(text: str) -> str:
    """A Japanese name in Latin letters as a loanword is heard (pykakasi's Hepburn, carrier vowels dropped, L)."""
    hepburn = "".join(part["hepburn"] for part in _kakasi()(text))
    return " ".join(_as_loanword(word) for word in re.split(r"[^a-z0-9]+", hepburn.lower()) if word)


@cache
def _romanizer() -> type:
    from korean_romanizer.romanizer import Romanizer  # type: ignore[import-not-found,import-untyped,unused-ignore]

    return Romanizer  # type: ignore[no-any-return]


def read_korean(text: str) -> str:
    """A Korean name in Revised Romanization (korean-romanizer, with its pronunciation rules), word by word."""
    return str(_romanizer()(text).romanize())


# Hebrew letters as consonants; the letters that mostly write vowels are dropped (א, ע) or the semivowels the sound
# key ignores (ו W, י Y); a final ה is a vowel (`משה` MSH... `MOSHE`), read as nothing.
_HEBREW = str.maketrans(
    {
        "א": "",
        "ב": "B",
        "ג": "G",
        "ד": "D",
        "ה": "H",
        "ו": "W",
        "ז": "Z",
        "ח": "KH",
        "ט": "T",
        "י": "Y",
        "כ": "K",
        "ך": "KH",
        "ל": "L",
        "מ": "M",
        "ם": "M",
        "נ": "N",
        "ן": "N",
        "ס": "S",
        "ע": "",
        "פ": "P",
        "ף": "F",
        "צ": "TS",
        "ץ": "TS",
        "ק": "K",
        "ר": "R",
        "ש": "SH",
        "ת": "T",
    }
)
# Geresh marks sounds Hebrew has no letter for (`ג׳` J, `ז׳` ZH, `צ׳` CH); gershayim and points are dropped.
_GERESH = (("ג׳", "J"), ("ג'", "J"), ("ז׳", "ZH"), ("ז'", "ZH"), ("צ׳", "CH"), ("צ'", "CH"))
_HEBREW_POINTS_RE = re.compile(r"[\u0591-\u05c7\u05f3\u05f4\"'`]")
_FINAL_HE_RE = re.compile(r"ה(?=\s|$)")


def read_hebrew(text: str) -> str:
    """A Hebrew name as its consonant skeleton (vowel letters dropped, or read as the semivowels W and Y)."""
    for written, sound in _GERESH:
        text = text.replace(written, sound)
    text = _FINAL_HE_RE.sub("", _HEBREW_POINTS_RE.sub("", text))
    return text.translate(_HEBREW)
