# ruff: noqa: RUF001, RUF002, RUF003  (letters of other scripts)
"""Dedicated readings of names in the scripts whose general transliteration loses most: Japanese, Korean, Hebrew.

A name in another script gets two readings and the scorer keeps the better (`normalize.py`); the index blocks and
pre-scores on the first. For these three scripts the first is the dedicated reading below and the second
anyascii's (elsewhere anyascii's and ICU's, `transliteration.script_readings`):
- Japanese: a Hepburn reading (jaconv for kana; pykakasi where kanji are, its dictionary takes about 130 MB, so it
  is loaded only for them), written as a loanword is heard (`ナイト ウルブス` `naito urubusu` -> `NAIT ULBS`):
  Japanese gives every consonant a vowel, so the vowel that only carries one (`u`; `o` after `t` and `d`) is
  dropped before a consonant or the end, long vowels are written once, and its one liquid is read as L (anyascii's
  reading keeps the syllables and R);
- Korean: korean-romanizer's Revised Romanization with its pronunciation rules, word by word (`룡 캉` `RYONG KANG`,
  anyascii `LYONG KANG`; read syllable by syllable, foreign words written in Hangul fell apart on the tuning pairs);
- Hebrew: the consonant skeleton, the letters that mostly write vowels (א, ע, a final ה) dropped and ו, י read as
  the semivowels W and Y that the sound key ignores (`אלון` `LWN`, anyascii `LVN`): the scorer's skeleton floor
  then compares the consonants alone (`ALON`: `LN`). Not ICU's reading, though close to it.
Nothing is downloaded at run time; the packages are imported on first use, and Latin names never reach them.
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


# Kana that jaconv spells by their parts (`ティ` `tei`, `ジェ` `jie`), in the Hepburn of loanwords (`トゥ`, `ドゥ`
# write a true U, kept: upper case until the carrier vowels are dropped); the long-vowel mark is dropped (long
# vowels are written once) and a small tsu that doubles nothing too.
_KANA_SPELLINGS = (
    *(("ティ", "ti"), ("ディ", "di"), ("トゥ", "tU"), ("ドゥ", "dU"), ("ジェ", "je"), ("チェ", "che"), ("シェ", "she")),
    *(("ウィ", "wi"), ("ウェ", "we"), ("ウォ", "wo"), ("ヴァ", "va"), ("ヴィ", "vi"), ("ヴェ", "ve"), ("ヴォ", "vo")),
    *(("ヴ", "vu"), ("フィ", "fi"), ("フェ", "fe"), ("フォ", "fo"), ("ー", ""), ("ｰ", "")),
)
_LONE_SMALL_TSU_RE = re.compile(r"(?<![\u3041-\u3096\u30a1-\u30fa])[ッっ]|[ッっ](?![\u3041-\u3096\u30a1-\u30fa])")
_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def read_japanese(text: str) -> str:
    """A Japanese name in Latin letters as a loanword is heard (Hepburn, carrier vowels dropped, R as L).

    Kana alone are read by jaconv (a few kilobytes); pykakasi, whose kanji dictionary takes about 130 MB once
    loaded, only reads names with kanji."""
    if _KANJI_RE.search(text):
        hepburn = "".join(part["hepburn"] for part in _kakasi()(text)).lower()
    else:
        import jaconv  # type: ignore[import-not-found,import-untyped,unused-ignore]

        text = _LONE_SMALL_TSU_RE.sub("", jaconv.h2z(text))
        for kana, spelling in _KANA_SPELLINGS:
            text = text.replace(kana, spelling)
        hepburn = str(jaconv.kana2alphabet(jaconv.kata2hira(text)))
    return " ".join(_as_loanword(word).lower() for word in re.split(r"[^a-zA-Z0-9]+", hepburn) if word)


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
