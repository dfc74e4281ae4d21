# ruff: noqa: RUF001  (legal forms written in Cyrillic)
"""The held-out labelled name pairs: built apart from the tuning set, scored only for the report.

`tests/data/name_pairs.csv` (pairs.py) is what the matcher was tuned on. This set is built from other sources and
another tool, so that it measures what the tuning did not see:
- cross script: SDN names written in Cyrillic, Greek, Arabic, Hebrew, Georgian, Armenian, Hangul and Katakana
  with ICU's transliterators (PyICU; the matcher itself reads other scripts with anyascii), vowel signs removed
  from Arabic and Hebrew as they are usually written; negatives: the nearest listed name of another entry (what
  the index ranks first after the true one), written in the same script;
- legal form: an organisation with its legal form spelled out in another language (`GESELLSCHAFT MIT
  BESCHRAENKTER HAFTUNG`, `SOCIETE ANONYME`, `有限公司` ...) against the listed name; negatives: the nearest
  listed organisation of another entry with the same legal form;
- numerals: a listed vessel or company with a number written another way (`II`, `TWO`, `NO. 2`, `二号`);
  negatives: the same name with another number (sister ships, numbered companies);
- siblings: negatives, a listed organisation whose name ends with a business word, that word replaced by
  another (`... SHIPPING` / `... TRADING`); positives: the same organisation with an SDN alias of it;
- vessels: listed vessels and their SDN aliases (ex-names), negatives: nearest other vessel.

`python -m benchmarks.heldout_pairs data/ofac-sdn data/name-pairs-heldout/pairs.csv` writes it (needs PyICU, a
development tool here: `pip install pyicu`); `python -m benchmarks.heldout_pairs --report FILE` prints AUC and
recall at 5% false positives per category.
"""

import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex, compare_names, load_ofac_sdn
from portcullis.shared.screening.pairs import NamePair, read_name_pairs, write_name_pairs
from portcullis.shared.screening.scoring import PairScorer, learned_similarity, name_similarity

SEED = 20261204
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


def _transliterator(script: str) -> Callable[[str], str]:
    import icu  # type: ignore[import-not-found,import-untyped,unused-ignore]

    transliterator = icu.Transliterator.createInstance(f"Latin-{script}")

    def write(name: str) -> str:
        text = str(transliterator.transliterate(name.lower()))
        if script in ("Arabic", "Hebrew"):
            # Written without vowel signs, as most Arabic and Hebrew text is.
            text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        return text

    return write


def _nearest_other(index: WatchlistIndex, entry: WatchlistEntry, schema: str) -> WatchlistEntry | None:
    """The listed entry of the same kind, other than this one, that the index ranks first for its name."""
    query = ScreeningQuery(name=entry.name, schema=schema)  # type: ignore[arg-type]
    for match in index.screen(query, limit=5, threshold=0.3):
        other = match.entry
        if other.entry_id != entry.entry_id and other.name.upper() != entry.name.upper():
            return other
    return None


def _schema(entry: WatchlistEntry) -> str:
    return {"person": "Person", "organization": "Company", "vessel": "Vessel"}[entry.kind]


def _cross_script(rng: random.Random, index: WatchlistIndex, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    writers = {script: _transliterator(script) for script in _SCRIPTS}
    pool = [e for e in entries if e.kind in ("person", "organization") and re.fullmatch(r"[A-Za-z .,'-]+", e.name)]
    for entry in rng.sample(pool, 480):
        script = rng.choice(_SCRIPTS)
        write = writers[script]
        schema = _schema(entry)
        pairs.append(NamePair(entry.name, write(entry.name), schema, 1, f"cross_script:{script}"))
        other = _nearest_other(index, entry, schema)
        if other is not None:
            pairs.append(NamePair(entry.name, write(other.name), schema, 0, f"cross_script:{script}"))
    return pairs


def _strip_legal(name: str) -> str:
    words = name.replace(",", " ").split()
    while words and words[-1].upper().replace(".", "") in _TRAILING_LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def _legal_form(rng: random.Random, index: WatchlistIndex, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
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


def _vessels(rng: random.Random, index: WatchlistIndex, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs = []
    vessels = [e for e in entries if e.kind == "vessel"]
    for entry in rng.sample(vessels, min(300, len(vessels))):
        if entry.aliases:
            pairs.append(NamePair(entry.name, rng.choice(entry.aliases), "Vessel", 1, "vessels"))
        other = _nearest_other(index, entry, "Vessel")
        if other is not None:
            pairs.append(NamePair(entry.name, other.name, "Vessel", 0, "vessels"))
    return pairs


def build(entries: Sequence[WatchlistEntry], seed: int = SEED) -> list[NamePair]:
    """The held-out pairs, reproducibly for a seed (and the same PyICU rules)."""
    rng = random.Random(seed)
    index = WatchlistIndex(result_cache_size=0)
    index.extend(entries)
    return [
        *_cross_script(rng, index, entries),
        *_legal_form(rng, index, entries),
        *_numerals(rng, entries),
        *_siblings(rng, entries),
        *_vessels(rng, index, entries),
    ]


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
    for pair in pairs:
        score = compare_names(pair.name1, pair.name2, pair.schema, scorer)
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
    write_name_pairs(build(load_ofac_sdn(Path(argv[0]))), output)


if __name__ == "__main__":
    main(sys.argv[1:])
