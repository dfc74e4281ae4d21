# ruff: noqa: RUF001, RUF002, E501  (letters of other scripts; tables of them)
"""Tuning pairs for the readings of other scripts (`screening/romanisers.py`), written by this module's own rules.

The held-out set (`data/name-pairs-heldout`) is only measured, never tuned on; the tuning set
(`tests/data/name_pairs.csv`) has no Japanese, Korean or Hebrew names and no cross-script non-matches. These pairs
fill that gap: SDN names (none that the held-out set uses) written in Katakana, Hangul, Hebrew and Arabic by the
small sound-based rule writers below, which are neither the held-out set's writers (transliterate, e2k,
arabizikit, ICU) nor the matcher's readers (anyascii, ICU, jaconv, pykakasi, korean-romanizer); negatives: the listed name
of another entry that the index ranks first for the name, written the same way.

    .venv/bin/python -m benchmarks.romanise_tuning data/ofac-sdn [--baseline REVISION] [--index ROUNDS]

prints AUC and recall at 5% false positives per script, this code (and the code at REVISION, in the same run);
with `--index`, both screen the pairs' names through an index of the whole SDN list (normalisation caches emptied
before each round, no result cache, the two codes alternating): CPU time per query in each script and in Latin,
the share of matches whose entry reaches the full scorer (`shortlist`) and is found at 0.85.
"""

import gc
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.heldout_pairs import auc, recall_at_fpr
from benchmarks.revision import screening_at
from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex, compare_names, load_ofac_sdn
from portcullis.shared.screening.pairs import NamePair, read_name_pairs

SEED = 20261219
HELDOUT_PAIRS = Path(__file__).resolve().parent.parent / "data" / "name-pairs-heldout" / "pairs.csv"
PER_SCRIPT = 150
Writer = Callable[[str], str]


def _words(name: str) -> list[str]:
    return re.sub(r"[^a-z ]", " ", re.sub(r"['.]", "", name.lower())).split()


def _english_sounds(word: str) -> str:
    """Spelling folded towards sounds (`ph` F, soft `c` S, `x` KS), for the writers below."""
    for written, sound in (("ph", "f"), ("ck", "k"), ("x", "ks"), ("qu", "kw"), ("q", "k")):
        word = word.replace(written, sound)
    return re.sub("c", "k", re.sub("c(?=[eiy])", "s", word.replace("ch", "C"))).replace("C", "ch")


_VOWELS = "aeiou"


def _syllables(word: str) -> list[tuple[str, str]]:
    """(consonants, vowel) units; a consonant without a vowel after it gets an empty vowel."""
    units: list[tuple[str, str]] = []
    onset = ""
    for char in word:
        if char in _VOWELS or (char == "y" and onset and onset[-1] not in _VOWELS):
            units.append((onset, "i" if char == "y" else char))
            onset = ""
        else:
            onset += char
    for char in onset:
        units.append((char, ""))
    split: list[tuple[str, str]] = []
    for consonants, vowel in units:
        for char in consonants[:-1]:
            split.append((char, ""))
        split.append((consonants[-1:], vowel))
    return split


_KANA_ROWS = {
    "": "ア イ ウ エ オ", "k": "カ キ ク ケ コ", "g": "ガ ギ グ ゲ ゴ", "s": "サ シ ス セ ソ", "z": "ザ ジ ズ ゼ ゾ",
    "t": "タ ティ トゥ テ ト", "d": "ダ ディ ドゥ デ ド", "n": "ナ ニ ヌ ネ ノ", "h": "ハ ヒ フ ヘ ホ", "b": "バ ビ ブ ベ ボ",
    "p": "パ ピ プ ペ ポ", "m": "マ ミ ム メ モ", "r": "ラ リ ル レ ロ", "w": "ワ ウィ ウ ウェ ウォ",
    "j": "ジャ ジ ジュ ジェ ジョ", "f": "ファ フィ フ フェ フォ", "sy": "シャ シ シュ シェ ショ", "ty": "チャ チ チュ チェ チョ",
}  # fmt: skip


def _kana(consonant: str, vowel: str) -> str:
    consonant = {"l": "r", "v": "b", "c": "k", "y": "", "x": "k"}.get(consonant, consonant)
    if consonant == "n" and not vowel:
        return "ン"
    if not vowel:
        vowel = "o" if consonant in ("t", "d") else "u"
    return _KANA_ROWS.get(consonant, _KANA_ROWS[""]).split()["aiueo".index(vowel)]


def write_katakana(name: str) -> str:
    """Katakana as a loanword is written: every consonant with a vowel, L as R, V as B (own rules)."""
    written = []
    for word in _words(name):
        sounds = _english_sounds(word).replace("th", "s").replace("sh", "S").replace("ch", "C").replace("kh", "h")
        units = [({"S": "sy", "C": "ty"}.get(c, c), v) for c, v in _syllables(sounds)]
        written.append("".join(_kana(c, v) for c, v in units))
    return " ".join(written)


_HANGUL_INITIAL = {"g": 0, "n": 2, "d": 3, "r": 5, "l": 5, "m": 6, "b": 7, "v": 7, "s": 9, "z": 12, "j": 12, "": 11,
                   "ch": 14, "k": 15, "c": 15, "t": 16, "p": 17, "f": 17, "h": 18, "w": 11, "y": 11}  # fmt: skip
_HANGUL_VOWEL = {"a": 0, "e": 5, "i": 20, "o": 8, "u": 13, "": 18}
_HANGUL_FINAL = {"k": 1, "g": 1, "n": 4, "l": 8, "r": 8, "m": 16, "b": 17, "p": 17}


def write_hangul(name: str) -> str:
    """Hangul syllables by sound (own rules): final K, N, L, M, P as batchim, other lone consonants with ㅡ."""
    written = []
    for word in _words(name):
        sounds = _english_sounds(word).replace("sh", "s").replace("th", "t").replace("kh", "h").replace("ng", "n")
        blocks: list[list[int]] = []
        for consonant, vowel in _syllables(sounds):
            if not vowel and blocks and blocks[-1][2] == 0 and consonant in _HANGUL_FINAL:
                blocks[-1][2] = _HANGUL_FINAL[consonant]
                continue
            blocks.append([_HANGUL_INITIAL.get(consonant, 11), _HANGUL_VOWEL[vowel], 0])
        written.append("".join(chr(0xAC00 + (lead * 21 + vowel) * 28 + tail) for lead, vowel, tail in blocks))
    return " ".join(written)


_HEBREW_LETTERS = {"b": "ב", "v": "ב", "g": "ג", "d": "ד", "h": "ה", "w": "ו", "z": "ז", "t": "ט", "y": "י",
                   "k": "ק", "l": "ל", "m": "מ", "n": "נ", "s": "ס", "f": "פ", "p": "פ", "r": "ר", "j": "ג׳"}  # fmt: skip
_HEBREW_DIGRAPHS = {"sh": "ש", "kh": "ח", "ch": "צ׳", "th": "ת", "ts": "צ", "tz": "צ"}
_HEBREW_FINALS = str.maketrans({"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"})
_ARABIC_LETTERS = {"b": "ب", "p": "ب", "v": "ف", "t": "ت", "j": "ج", "g": "غ", "h": "ه", "d": "د", "r": "ر", "z": "ز",
                   "s": "س", "f": "ف", "k": "ك", "l": "ل", "m": "م", "n": "ن", "w": "و", "y": "ي"}  # fmt: skip
_ARABIC_DIGRAPHS = {"sh": "ش", "kh": "خ", "th": "ث", "dh": "ذ", "gh": "غ", "ch": "تش"}


def _abjad_writer(letters: dict[str, str], digraphs: dict[str, str], first: dict[str, str], long: str) -> Writer:
    def write_word(word: str) -> str:
        word = _english_sounds(word)
        out = []
        position = 0
        while position < len(word):
            pair, char = word[position : position + 2], word[position]
            if position == 0 and char in _VOWELS:
                out.append(first[char])
            elif pair in digraphs:
                out.append(digraphs[pair])
                position += 1
            elif char in "iy" and position:
                out.append(letters["y"])
            elif char in "ou":
                out.append(letters["w"])
            elif char == "a" and position == len(word) - 1:
                out.append(long)
            elif char not in _VOWELS:
                out.append(letters.get(char, ""))
            position += 1
        return "".join(out)

    return lambda name: " ".join(write_word(word) for word in _words(name))


def write_hebrew(name: str) -> str:
    """Hebrew without vowel points (own rules): A and E unwritten inside a word, I as י, O and U as ו."""
    write = _abjad_writer(_HEBREW_LETTERS, _HEBREW_DIGRAPHS, {"a": "א", "e": "א", "i": "אי", "o": "או", "u": "או"}, "ה")
    return " ".join(word[:-1] + word[-1].translate(_HEBREW_FINALS) for word in write(name).split())


def write_arabic(name: str) -> str:
    """Arabic without vowel signs (own rules): short A and E unwritten, I as ي, O and U as و, a final A as ا."""
    write = _abjad_writer(_ARABIC_LETTERS, _ARABIC_DIGRAPHS, {"a": "ا", "e": "ا", "i": "ا", "o": "ا", "u": "ا"}, "ا")
    return write(name)


WRITERS: dict[str, Writer] = {
    "Katakana": write_katakana,
    "Hangul": write_hangul,
    "Hebrew": write_hebrew,
    "Arabic": write_arabic,
}


def build(sdn_directory: Path, seed: int = SEED) -> list[NamePair]:
    """The tuning pairs: per script, SDN names and their nearest other listed name, written by the script's writer."""
    held_out = {pair.name1 for pair in read_name_pairs(HELDOUT_PAIRS)}
    entries = load_ofac_sdn(sdn_directory)
    index = WatchlistIndex(result_cache_size=0)
    index.extend(entries)
    pool = [
        e
        for e in entries
        if e.kind in ("person", "organization") and re.fullmatch(r"[A-Za-z .,'-]+", e.name) and e.name not in held_out
    ]
    rng = random.Random(seed)
    pairs = []
    for script, write in WRITERS.items():
        for entry in rng.sample(pool, PER_SCRIPT):
            schema = "Person" if entry.kind == "person" else "Company"
            names = [(entry.name, 1)]
            other = _nearest_other(index, entry, schema)
            if other is not None:
                names.append((other.name, 0))
            for name, label in names:
                written = write(name)
                if written.strip():
                    pairs.append(NamePair(entry.name, written, schema, label, f"cross_script:{script}:own-rules"))
    return pairs


def _nearest_other(index: WatchlistIndex, entry: WatchlistEntry, schema: str) -> WatchlistEntry | None:
    for match in index.screen(ScreeningQuery(name=entry.name, schema=schema), limit=5, threshold=0.3):
        if match.entry.entry_id != entry.entry_id and match.entry.name.upper() != entry.name.upper():
            return match.entry
    return None


Compare = Callable[[str, str, str | None], float]


def report(pairs: Sequence[NamePair], compare: Compare = compare_names) -> dict[str, tuple[float, float]]:
    """AUC and recall at 5% false positives per script and pooled."""
    by_script: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for pair in pairs:
        score = compare(pair.name1, pair.name2, pair.schema)
        by_script[pair.variant.split(":")[1]].append((score, pair.label))
        by_script["all"].append((score, pair.label))
    return {script: (auc(rows), recall_at_fpr(rows)) for script, rows in sorted(by_script.items())}


def _index_of(screening: ModuleType, sdn_directory: Path) -> Any:
    index = screening.WatchlistIndex(result_cache_size=0)
    index.extend(screening.load_ofac_sdn(sdn_directory))
    return index


def index_report(
    pairs: Sequence[NamePair], sdn_directory: Path, revision: str, rounds: int
) -> dict[str, dict[str, float]]:
    """Per script (and Latin) and per code: median CPU microseconds per screened name, share of matches that reach
    the full scorer and that are found."""
    import portcullis.shared.screening as this_code

    with tempfile.TemporaryDirectory() as folder:
        codes = {revision: screening_at(revision, Path(folder)), "this code": this_code}
        indexes = {name: _index_of(code, sdn_directory) for name, code in codes.items()}
        queries: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
        entry_of = {e.name: e.entry_id for e in this_code.load_ofac_sdn(sdn_directory)}
        for pair in pairs:
            script = pair.variant.split(":")[1]
            queries[script].append((pair.name2, pair.schema, pair.name1, pair.label))
            if pair.label:
                queries["Latin"].append((pair.name1, pair.schema, pair.name1, pair.label))
        times: dict[tuple[str, str], list[float]] = defaultdict(list)
        found: dict[tuple[str, str], float] = {}
        gc.freeze()
        for _ in range(rounds):
            for name, code in codes.items():
                for script, batch in queries.items():
                    code.normalize.normalize_name.cache_clear()
                    hits = 0
                    start = time.thread_time_ns()
                    for query, schema, listed, label in batch:
                        matches = indexes[name].screen(code.ScreeningQuery(name=query, schema=schema))
                        hits += label and any(m.entry.entry_id == entry_of.get(listed) for m in matches)
                    times[(script, name)].append((time.thread_time_ns() - start) / 1000 / len(batch))
                    found[(script, name)] = hits / max(1, sum(label for *_, label in batch))
        gc.unfreeze()
        for name, code in codes.items():  # untimed: which matches reach the full scorer at all
            for script, batch in queries.items():
                positives = [(query, schema, listed) for query, schema, listed, label in batch if label]
                reached = sum(
                    entry_of.get(listed) in indexes[name].shortlist(code.ScreeningQuery(name=query, schema=schema))[1]
                    for query, schema, listed in positives
                )
                found[(script, f"{name} scored")] = reached / max(1, len(positives))
    return {
        script: {
            **{f"{name} us": round(statistics.median(times[(script, name)]), 1) for name in codes},
            **{f"{name} scored": round(found[(script, f"{name} scored")], 3) for name in codes},
            **{f"{name} found": round(found[(script, name)], 3) for name in codes},
        }
        for script in queries
    }


def main(argv: Sequence[str]) -> None:
    """Build the pairs from an SDN folder and report this code (and `--baseline REVISION`) on them."""
    pairs = build(Path(argv[0]))
    if "--index" in argv:
        rounds = int(argv[argv.index("--index") + 1])
        revision = argv[argv.index("--baseline") + 1]
        for script, row in index_report(pairs, Path(argv[0]), revision, rounds).items():
            print(script, row)
        return
    columns: dict[str, dict[str, tuple[float, float]]] = {}
    if "--baseline" in argv:
        revision = argv[argv.index("--baseline") + 1]
        with tempfile.TemporaryDirectory() as folder:
            columns[revision] = report(pairs, screening_at(revision, Path(folder)).compare_names)
    columns["this code"] = report(pairs)
    print("script | pairs | " + " | ".join(f"{name} AUC / recall at 5% FPR" for name in columns))
    counts = defaultdict(int, {"all": len(pairs)})
    for pair in pairs:
        counts[pair.variant.split(":")[1]] += 1
    for script in columns["this code"]:
        cells = " | ".join(f"{rows[script][0]:.3f} / {rows[script][1]:.3f}" for rows in columns.values())
        print(f"{script} | {counts[script]} | {cells}")


if __name__ == "__main__":
    main(sys.argv[1:])
