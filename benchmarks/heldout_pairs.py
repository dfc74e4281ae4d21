# ruff: noqa: RUF001  (legal forms written in Cyrillic)
"""The held-out labelled name pairs: built apart from the tuning set, scored only for the report.

`tests/data/name_pairs.csv` (pairs.py) is what the matcher was tuned on. This set is built from other sources and
other tools, so that it measures what the tuning did not see:
- cross script: SDN names written in Cyrillic, Greek, Arabic, Hebrew, Georgian, Armenian, Hangul and Katakana by
  tools the matcher does not use (it reads other scripts with anyascii and ICU): the `transliterate` package for
  Cyrillic (Russian, Ukrainian, Bulgarian, Serbian, Macedonian), Greek, Georgian and Armenian, e2k (a small
  English-to-Katakana model) for Katakana, arabizikit for Arabic; Hebrew and Hangul, for which no maintained
  Latin-to-script package was found, by ICU's Latin-to-script transliterators, and those pairs are scored with
  the matcher's ICU reading off (`icu_reading_off`), so that ICU does not undo its own writing. The variant
  records the tool (`cross_script:Greek:transliterate-el`, `cross_script:Hebrew:icu`). Vowel signs are removed
  from Arabic and Hebrew, as they are usually written. Negatives: the nearest listed name of another entry (what
  the index ranks first after the true one), written in the same script by the same tool;
- legal form: an organisation with its legal form spelled out in another language (`GESELLSCHAFT MIT
  BESCHRAENKTER HAFTUNG`, `SOCIETE ANONYME`, `有限公司` ...) against the listed name; negatives: the nearest
  listed organisation of another entry with the same legal form;
- numerals: a listed vessel or company with a number written another way (`II`, `TWO`, `NO. 2`, `二号`);
  negatives: the same name with another number (sister ships, numbered companies);
- siblings: negatives, a listed organisation whose name ends with a business word, that word replaced by
  another (`... SHIPPING` / `... TRADING`); positives: the same organisation with an SDN alias of it;
- vessels: listed vessels and their SDN aliases (ex-names), negatives: nearest other vessel.

The nearest other names are ranked by the screening package as it was when the set was first built (commit
`INDEX_REVISION`, imported from git under another name), so that the set does not move when the matcher changes.

`python -m benchmarks.heldout_pairs data/ofac-sdn data/name-pairs-heldout/pairs.csv` writes it (the writing
tools are development requirements, requirements-dev.txt); `python -m benchmarks.heldout_pairs --report FILE`
prints AUC and recall at 5% false positives per category.
"""

import random
import re
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.revision import screening_at
from portcullis.shared.screening import WatchlistEntry, compare_names
from portcullis.shared.screening.pairs import NamePair, read_name_pairs, write_name_pairs
from portcullis.shared.screening.scoring import PairScorer, learned_similarity, name_similarity
from portcullis.shared.screening.transliteration import icu_reading_off

SEED = 20261204
# The screening package whose index ranks the nearest other names: the one the set was first built with.
INDEX_REVISION = "5a3c565"
_SCRIPTS = ("Cyrillic", "Greek", "Arabic", "Hebrew", "Georgian", "Armenian", "Hangul", "Katakana")
_LONG_LEGAL_FORMS = {
    "LLC": [
        "GESELLSCHAFT MIT BESCHRAENKTER HAFTUNG",
        "SOCIEDAD DE RESPONSABILIDAD LIMITADA",
        "SOCIETE A RESPONSABILITE LIMITEE",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ",
        "有限公司",
        'בע"מ',
    ],
    "JSC": ["AKTIENGESELLSCHAFT", "SOCIETE ANONYME", "АКЦИОНЕРНОЕ ОБЩЕСТВО", "株式会社", "ANONIM SIRKETI"],
}
_SHORT_LEGAL_FORMS = {"LLC": ["LLC", "LTD", "GMBH", "SARL", "OOO"], "JSC": ["JSC", "AG", "SA", "AO", "PLC"]}
# Legal forms that end listed organisation names, removed before a business word is replaced (a sibling differs
# by its line of business, not by its legal form).
_TRAILING_LEGAL_FORMS = frozenset([
    "LLC", "LTD", "LIMITED", "CO", "COMPANY", "CORP", "CORPORATION", "INC", "INCORPORATED", "SA", "SAS", "SARL",
    "SRL", "SL", "SPA", "GMBH", "AG", "KG", "BV", "NV", "PLC", "LLP", "LP", "JSC", "PJSC", "OJSC", "CJSC", "OOO",
    "ZAO", "OAO", "AO", "FZE", "FZCO", "FZC", "LTDA", "CA", "SAC", "AS", "DOO", "OOD", "EOOD", "&", "CV", "DE",
])  # fmt: skip
_BUSINESS_WORDS = (
    "SHIPPING", "TRADING", "LOGISTICS", "INVESTMENT", "HOLDING", "MARINE", "ENERGY", "EXCHANGE", "INDUSTRIES",
    "GROUP", "INTERNATIONAL", "SERVICES", "ENTERPRISES", "CONSTRUCTION", "PETROLEUM", "TECHNOLOGY", "BANK",
)  # fmt: skip
_NUMBER_FORMS = {2: ["II", "TWO", "NO. 2", "二号"], 3: ["III", "THREE", "NO. 3", "三号"], 5: ["V", "FIVE", "NO 5"]}


# Which tool writes a script. Cyrillic names are written in one of five languages' spellings, chosen per name.
_CYRILLIC_LANGUAGES = ("ru", "uk", "bg", "sr", "mk")
_TRANSLITERATE_LANGUAGES = {"Greek": "el", "Georgian": "ka", "Armenian": "hy"}
_ICU_SCRIPTS = ("Hebrew", "Hangul")  # no maintained Latin-to-script package found for these
# Letters a `transliterate` language pack leaves in Latin (`w`, `q`, `x` ...), first spelled as that language
# spells them, so that a written name has no Latin letter left.
_PRESPELLING: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (("q", "k"), ("w", "v"), ("x", "ks")),
    "uk": (("c(?!h)", "k"), ("q", "k"), ("w", "v"), ("x", "ks")),
    "bg": (("c(?!h)", "k"), ("j", "dzh"), ("q", "k"), ("w", "v"), ("x", "ks")),
    "sr": (("q", "k"), ("w", "v"), ("x", "ks"), ("y", "i")),
    "mk": (("q", "k"), ("w", "v"), ("x", "ks"), ("y", "i")),
    "el": (("ph", "f"), ("kh", "ch"), ("(?<![ct])h", ""), ("c(?!h)", "k"), ("j", "i"), ("q", "k"), ("w", "v")),
    "hy": (("w", "v"),),
    "ka": (),
}

Writer = Callable[[str], str]


def _words(name: str) -> list[str]:
    """The name's words in lower case, apostrophes and dots dropped, hyphens and commas as spaces."""
    return re.sub(r"[^a-z ]", " ", re.sub(r"['.]", "", name.lower())).split()


def _without_vowel_signs(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _icu_writer(script: str) -> Writer:
    import icu  # type: ignore[import-not-found,import-untyped,unused-ignore]

    transliterator = icu.Transliterator.createInstance(f"Latin-{script}")

    def write(name: str) -> str:
        text = str(transliterator.transliterate(name.lower()))
        # Written without vowel signs, as most Arabic and Hebrew text is.
        return _without_vowel_signs(text) if script in ("Arabic", "Hebrew") else text

    return write


def _transliterate_writer(language: str) -> Writer:
    from transliterate import translit  # type: ignore[import-not-found,import-untyped,unused-ignore]

    def write(name: str) -> str:
        text = name.lower()
        for pattern, spelling in _PRESPELLING[language]:
            text = re.sub(pattern, spelling, text)
        return str(translit(text, language))

    return write


def _katakana_writer() -> Writer:
    from e2k import C2K  # type: ignore[import-not-found,import-untyped,unused-ignore]

    to_katakana = C2K()
    return lambda name: " ".join(str(to_katakana(word)) for word in _words(name))


def _arabic_writer() -> Writer:
    import arabizikit  # type: ignore[import-not-found,import-untyped,unused-ignore]

    def write(name: str) -> str:
        # arabizikit reads romanised Arabic, where a lone `c` stands for `ع`: an English `c` is spelled first as
        # it sounds (`k` or `s`); `ch` it reads as `ش` already.
        words = [re.sub("c(?!h)", "k", re.sub("c(?=[eiy])", "s", word.replace("ck", "k"))) for word in _words(name)]
        return _without_vowel_signs(str(arabizikit.transliterate(" ".join(words)).text))

    return write


def writer(tool: str) -> Writer:
    """The function that writes a Latin name with `tool` (`transliterate-ru`, `e2k`, `arabizikit`, `icu-Hebrew`)."""
    if tool.startswith("transliterate-"):
        return _transliterate_writer(tool.removeprefix("transliterate-"))
    if tool.startswith("icu-"):
        return _icu_writer(tool.removeprefix("icu-"))
    return {"e2k": _katakana_writer, "arabizikit": _arabic_writer}[tool]()


def _tool(script: str, languages: random.Random) -> str:
    if script == "Cyrillic":
        return f"transliterate-{languages.choice(_CYRILLIC_LANGUAGES)}"
    if script in _TRANSLITERATE_LANGUAGES:
        return f"transliterate-{_TRANSLITERATE_LANGUAGES[script]}"
    if script in _ICU_SCRIPTS:
        return f"icu-{script}"
    return {"Katakana": "e2k", "Arabic": "arabizikit"}[script]


def _in_script(text: str) -> bool:
    """Whether a written name has no Latin letter left."""
    return not any(char.isascii() and char.isalpha() for char in text)


class _Ranker:
    """The nearest other listed names, as the index of a screening package (another revision's) ranks them."""

    def __init__(self, screening: ModuleType, entries: Sequence[WatchlistEntry]) -> None:
        self._query = screening.ScreeningQuery
        self._index = screening.WatchlistIndex(result_cache_size=0)
        self._index.extend(entries)

    def screen(self, name: str, schema: str) -> list[Any]:
        return list(self._index.screen(self._query(name=name, schema=schema), limit=5, threshold=0.3))


def _nearest_other(index: _Ranker, entry: WatchlistEntry, schema: str) -> WatchlistEntry | None:
    """The listed entry of the same kind, other than this one, that the index ranks first for its name."""
    for match in index.screen(entry.name, schema):
        other: WatchlistEntry = match.entry
        if other.entry_id != entry.entry_id and other.name.upper() != entry.name.upper():
            return other
    return None


def _schema(entry: WatchlistEntry) -> str:
    return {"person": "Person", "organization": "Company", "vessel": "Vessel"}[entry.kind]


def _cross_script(rng: random.Random, index: _Ranker, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    # The Cyrillic languages are drawn from a generator of their own, so that the other categories' draws are
    # the same as when every script was written by ICU.
    languages = random.Random(f"{SEED}:cyrillic-languages")
    writers: dict[str, Writer] = {}
    pool = [e for e in entries if e.kind in ("person", "organization") and re.fullmatch(r"[A-Za-z .,'-]+", e.name)]
    for entry in rng.sample(pool, 480):
        script = rng.choice(_SCRIPTS)
        tool = _tool(script, languages)
        if tool not in writers:
            writers[tool] = writer(tool)
        write = writers[tool]
        tag = f"cross_script:{script}:{tool.removesuffix(f'-{script}')}"
        schema = _schema(entry)
        names = [(entry.name, 1)]
        other = _nearest_other(index, entry, schema)
        if other is not None:
            names.append((other.name, 0))
        for name, label in names:
            written = write(name)
            if not _in_script(written):
                raise ValueError(f"{tool} left Latin letters in {written!r}")
            pairs.append(NamePair(entry.name, written, schema, label, tag))
    return pairs


def _strip_legal(name: str) -> str:
    words = name.replace(",", " ").split()
    while words and words[-1].upper().replace(".", "") in _TRAILING_LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def _legal_form(rng: random.Random, index: _Ranker, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    orgs = [e for e in entries if e.kind == "organization" and len(_strip_legal(e.name).split()) >= 2]
    for entry in rng.sample(orgs, 300):
        kind = rng.choice(list(_LONG_LEGAL_FORMS))
        stem = _strip_legal(entry.name)
        spelled = f"{stem} {rng.choice(_LONG_LEGAL_FORMS[kind])}"
        short = f"{stem} {rng.choice(_SHORT_LEGAL_FORMS[kind])}"
        pairs.append(NamePair(short, spelled, "Company", 1, "legal_form"))
        other = _nearest_other(index, entry, "Company")
        if other is not None:
            pairs.append(
                NamePair(
                    short,
                    f"{_strip_legal(other.name)} {rng.choice(_LONG_LEGAL_FORMS[kind])}",
                    "Company",
                    0,
                    "legal_form",
                )
            )
    return pairs


def _numerals(rng: random.Random, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    pool = [e for e in entries if e.kind in ("vessel", "organization") and not any(c.isdigit() for c in e.name)]
    for entry in rng.sample(pool, 300):
        number = rng.choice(list(_NUMBER_FORMS))
        other = rng.choice([n for n in _NUMBER_FORMS if n != number])
        schema = _schema(entry)
        pairs.append(
            NamePair(
                f"{entry.name} {number}", f"{entry.name} {rng.choice(_NUMBER_FORMS[number])}", schema, 1, "numerals"
            )
        )
        pairs.append(
            NamePair(
                f"{entry.name} {number}", f"{entry.name} {rng.choice(_NUMBER_FORMS[other])}", schema, 0, "numerals"
            )
        )
    return pairs


def _siblings(rng: random.Random, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    orgs = [e for e in entries if e.kind == "organization" and e.aliases]
    for entry in rng.sample(orgs, 300):
        words = _strip_legal(entry.name).split()
        if len(words) >= 2 and words[-1].upper() in _BUSINESS_WORDS:
            replacement = rng.choice([w for w in _BUSINESS_WORDS if w != words[-1].upper()])
            pairs.append(NamePair(entry.name, " ".join([*words[:-1], replacement]), "Company", 0, "siblings"))
        pairs.append(NamePair(entry.name, rng.choice(entry.aliases), "Company", 1, "siblings"))
    # Organisations whose name ends with a business word, that word replaced (`... SHIPPING` / `... TRADING`).
    ending = [e for e in entries if e.kind == "organization" and _strip_legal(e.name).split()[-1:] != []]
    ending = [e for e in ending if _strip_legal(e.name).split()[-1].upper() in _BUSINESS_WORDS]
    ending = [e for e in ending if len(_strip_legal(e.name).split()) >= 2]
    for entry in rng.sample(ending, min(300, len(ending))):
        words = _strip_legal(entry.name).split()
        replacement = rng.choice([w for w in _BUSINESS_WORDS if w != words[-1].upper()])
        pairs.append(NamePair(entry.name, " ".join([*words[:-1], replacement]), "Company", 0, "siblings"))
    return pairs


def _vessels(rng: random.Random, index: _Ranker, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    vessels = [e for e in entries if e.kind == "vessel"]
    for entry in rng.sample(vessels, min(300, len(vessels))):
        if entry.aliases:
            pairs.append(NamePair(entry.name, rng.choice(entry.aliases), "Vessel", 1, "vessels"))
        other = _nearest_other(index, entry, "Vessel")
        if other is not None:
            pairs.append(NamePair(entry.name, other.name, "Vessel", 0, "vessels"))
    return pairs


def build(sdn_directory: Path, seed: int = SEED, index_revision: str = INDEX_REVISION) -> list[NamePair]:
    """The held-out pairs, reproducibly for a seed (and the same versions of the writing tools)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        screening = screening_at(index_revision, Path(folder))
        entries = screening.load_ofac_sdn(sdn_directory)
        index = _Ranker(screening, entries)
        return [
            *_cross_script(rng, index, entries),
            *_legal_form(rng, index, entries),
            *_numerals(rng, entries),
            *_siblings(rng, entries),
            *_vessels(rng, index, entries),
        ]


def written_by(pair: NamePair) -> str | None:
    """The tool that wrote a cross-script pair's other-script name (`icu`, `e2k` ...), None for other pairs."""
    parts = pair.variant.split(":")
    return parts[2] if len(parts) > 2 else None


Compare = Callable[[str, str, str | None], float]


def scores(
    pairs: Sequence[NamePair], compare: Compare, reading_off: Callable[[], AbstractContextManager[None]]
) -> list[float]:
    """Each pair's score; a pair whose other-script name ICU wrote is scored inside `reading_off` (the matcher's
    ICU reading off)."""
    by_icu = [i for i, pair in enumerate(pairs) if written_by(pair) == "icu"]
    result = [compare(pair.name1, pair.name2, pair.schema) for pair in pairs]
    with reading_off():
        for i in by_icu:
            result[i] = compare(pairs[i].name1, pairs[i].name2, pairs[i].schema)
    return result


def auc(scored: Sequence[tuple[float, int]]) -> float:
    """The area under the ROC curve: the chance that a random match outscores a random non-match (ties half)."""
    positives = sorted(score for score, label in scored if label)
    negatives = sorted(score for score, label in scored if not label)
    if not positives or not negatives:
        return float("nan")
    wins = 0.0
    for score in positives:
        below = sum(1 for n in negatives if n < score)
        ties = sum(1 for n in negatives if n == score)
        wins += below + ties / 2
    return wins / (len(positives) * len(negatives))


def recall_at_fpr(scored: Sequence[tuple[float, int]], fpr: float = 0.05) -> float:
    """The share of matches at or above the lowest threshold that lets through at most `fpr` of non-matches."""
    negatives = sorted((score for score, label in scored if not label), reverse=True)
    positives = [score for score, label in scored if label]
    allowed = int(fpr * len(negatives))
    # The threshold sits just above the (allowed + 1)-th highest non-match.
    threshold = negatives[allowed] if allowed < len(negatives) else -1.0
    return sum(1 for score in positives if score > threshold) / max(len(positives), 1)


def report(pairs: Sequence[NamePair], scorer: PairScorer = name_similarity) -> dict[str, dict[str, float]]:
    """AUC, recall at 5% false positives and recall at the 0.85 threshold, per category and overall."""
    by_category: dict[str, list[tuple[float, int]]] = defaultdict(list)
    scored = scores(pairs, lambda a, b, schema: compare_names(a, b, schema, scorer), icu_reading_off)
    for pair, score in zip(pairs, scored, strict=True):
        category = pair.variant.split(":")[0]
        by_category[category].append((score, pair.label))
        by_category["all"].append((score, pair.label))
    return {
        category: {
            "pairs": len(rows),
            "positives": sum(label for _, label in rows),
            "auc": round(auc(rows), 3),
            "recall_at_5pct_fpr": round(recall_at_fpr(rows), 3),
            "recall_at_0.85": round(
                sum(1 for s, label in rows if label and s >= 0.85) / max(1, sum(label for _, label in rows)), 3
            ),
            "fpr_at_0.85": round(
                sum(1 for s, label in rows if not label and s >= 0.85) / max(1, sum(1 - label for _, label in rows)), 3
            ),
        }
        for category, rows in sorted(by_category.items())
    }


def main(argv: Sequence[str]) -> None:
    """Build the held-out pairs (`SDN_DIR OUTPUT_CSV`) or report on them (`--report CSV [--learned]`)."""
    if argv[0] == "--report":
        scorer = learned_similarity if "--learned" in argv else name_similarity
        for category, row in report(read_name_pairs(Path(argv[1])), scorer).items():
            print(category, row)
        return
    output = Path(argv[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    write_name_pairs(build(Path(argv[0])), output)


if __name__ == "__main__":
    main(sys.argv[1:])
