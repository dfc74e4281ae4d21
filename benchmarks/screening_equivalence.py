"""Same screening results from this code as from the screening package at a git revision (a pure speed change).

Both indexes hold the whole SDN list and screen the same queries: the screening benchmark's SDN query stream and the
party and vessel names of generated version-2 declarations. For each query, as written and with a date of birth
and a country, `screen` must give the same matches (entry ids, order, matched names, evidence) with scores equal
to 1e-9, `name_scores` (what the parties' cache keeps) the same entries in the same order, with the same listed
names and scores, at the hit threshold, a review threshold (0.7) and a wide one (0.5, nearly every candidate scored
in full), and `normalize_name` the same tokens, words, numbers, removed words and other reading.

Run: `.venv/bin/python -m benchmarks.screening_equivalence [--revision main] [--sdn-queries 6000] [--declarations
3000]`; prints JSON and exits 1 on any difference.
"""

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.revision import screening_at
from benchmarks.screening import SDN_DIRECTORY, SEED, _queries
from portcullis.shared import screening
from portcullis.shared.logging import configure_logging
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.synthetic import generate_declarations

REPO = Path(__file__).resolve().parent.parent
DECLARATIONS = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"
TOLERANCE = 1e-9
# A review threshold below the hit threshold (the scoring service's limits allow one) reaches more candidates; the
# wide one lets nearly every candidate through to the full scorer, so its every score is compared.
LOWER_THRESHOLDS = (0.7, 0.5)

Query = tuple[str, str | None]
_DOB = date(1965, 1, 1)
_COUNTRY = "IR"


def sdn_queries(count: int) -> list[Query]:
    """The screening benchmark's SDN query stream (names and schemas), in its order."""
    entries = screening.load_ofac_sdn(SDN_DIRECTORY)
    return [(query.name, query.schema) for query, _ in _queries(entries, count, SEED) if query.name]


def party_queries(declarations: int) -> list[Query]:
    """The distinct party names (no schema) and vessel names (`Vessel`) of generated version-2 declarations."""
    base = list(items_to_declarations(read_items_csv(DECLARATIONS).items))[:declarations]
    synthetic = generate_declarations(
        len(base), seed=2026, planted_share=0.05, watchlist=screening.load_ofac_sdn(SDN_DIRECTORY), base=base
    )
    found: dict[Query, None] = {}
    for declaration in synthetic.items:
        for party in declaration.parties or ():
            found[(party.name, None)] = None
        if declaration.transport is not None and declaration.transport.vessel_name:
            found[(declaration.transport.vessel_name, "Vessel")] = None
    return list(found)


def build_index(package: ModuleType) -> Any:
    """An index of the whole SDN list from `package`, without a result cache."""
    index = package.WatchlistIndex(result_cache_size=0)
    index.extend(package.load_ofac_sdn(SDN_DIRECTORY))
    return index


def _outcomes(package: ModuleType, index: Any, queries: list[Query], threshold: float) -> Iterator[tuple[Any, ...]]:
    for name, schema in queries:
        query = package.ScreeningQuery(name=name, schema=schema)
        # The same name with a date of birth and a country, which raise some entries' scores and lower others'.
        corroborated = package.ScreeningQuery(name=name, schema=schema, dob=_DOB, country=_COUNTRY)
        matches = [
            (m.entry.entry_id, m.matched_name, m.score, tuple(m.evidence))
            for screened in (query, corroborated)
            for m in index.screen(screened, threshold=threshold)
        ]
        scored = index.name_scores(name, schema, threshold).scored
        yield matches, scored, _reading(package.normalize_name(name))


def _reading(name: Any) -> tuple[object, ...] | None:
    """A normalised name as comparable data (its tokens, words, numbers, removed words and other reading)."""
    if name is None:
        return None
    return (name.tokens, name.words, name.numbers, name.removed, name.other_script, _reading(name.other_reading))


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    old_matches, old_scored, old_reading = old
    new_matches, new_scored, new_reading = new
    if old_reading != new_reading:
        return False
    if [m[:2] + m[3:] for m in old_matches] != [m[:2] + m[3:] for m in new_matches]:
        return False
    if any(abs(a[2] - b[2]) > TOLERANCE for a, b in zip(old_matches, new_matches, strict=True)):
        return False
    # `name_scores` in the same order too (its entries in the order their candidates were scored).
    if [(e, m) for e, _, m in old_scored] != [(e, m) for e, _, m in new_scored]:
        return False
    return all(abs(a[1] - b[1]) <= TOLERANCE for a, b in zip(old_scored, new_scored, strict=True))


def compare(revision: str, sdn_count: int, declarations: int) -> dict[str, object]:
    """Screen the same queries with the package at `revision` and with this code; counts and the first differences."""
    streams = {"sdn": sdn_queries(sdn_count), "v2_parties": party_queries(declarations)}
    with tempfile.TemporaryDirectory() as folder:
        old_package = screening_at(revision, Path(folder))
        old_index, new_index = build_index(old_package), build_index(screening)
        report: dict[str, object] = {"revision": revision}
        for stream, queries in streams.items():
            for threshold in (old_index.match_threshold, *LOWER_THRESHOLDS):
                differences = []
                old_outcomes = _outcomes(old_package, old_index, queries, threshold)
                new_outcomes = _outcomes(screening, new_index, queries, threshold)
                for (name, schema), old, new in zip(queries, old_outcomes, new_outcomes, strict=True):
                    if not _same(old, new):
                        differences.append({"name": name, "schema": schema, "old": old, "new": new})
                report[f"{stream}@{threshold}"] = {
                    "queries": len(queries),
                    "differences": len(differences),
                    "first": differences[:3],
                }
    return report


def main() -> None:
    """Compare, print the report, exit 1 on any difference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revision", default="main")
    parser.add_argument("--sdn-queries", type=int, default=6000)
    parser.add_argument("--declarations", type=int, default=3000)
    arguments = parser.parse_args()
    configure_logging()
    report = compare(arguments.revision, arguments.sdn_queries, arguments.declarations)
    print(json.dumps(report, indent=2, default=str))
    differing = sum(int(part["differences"]) for part in report.values() if isinstance(part, dict))
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
