"""Whether this code's screening gives exactly what the screening package gave at another git revision.

A pure speed change of the matcher must not change a single result. Both packages (this one and the one at
`--revision`, imported under another name by `benchmarks/revision.py`) build an index of the whole SDN list and
screen the same queries: the benchmark's SDN query stream (`benchmarks/screening.py`) and the party and vessel
names of generated version-2 declarations. Compared per query: the normalised name (tokens, removed words, the
other reading), the matches of `screen` (entry ids, order, matched names, scores) and the name scores of every
entry that reaches the full scorer at a lower threshold (`name_scores`), scores to 1e-9.

Run: `.venv/bin/python -m benchmarks.scorer_equivalence [--revision REV] [--sdn-queries 20000]` (by default the
revision this branch left main at, so that work merged into main since does not count); exits 1 on any difference
and prints the first few.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.revision import screening_at
from benchmarks.screening import SDN_DIRECTORY, SEED, _queries
from portcullis.shared import screening as current
from portcullis.shared.logging import configure_logging
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.screening import load_ofac_sdn
from portcullis.shared.synthetic import generate_declarations

REPO = Path(__file__).resolve().parent.parent
DECLARATIONS = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"
#: The lower threshold of the `name_scores` comparison: more candidates reach the full scorer than at 0.85.
WIDE_THRESHOLD = 0.5
TOLERANCE = 1e-9

Query = tuple[str, str | None]


def sdn_queries(count: int) -> list[Query]:
    """The benchmark's SDN query stream (half listed names with variants, half clean names), names and schemas."""
    entries = load_ofac_sdn(SDN_DIRECTORY)
    return [(query.name, query.schema) for query, _ in _queries(entries, count, SEED) if query.name]


def party_queries(declarations: int) -> list[Query]:
    """The distinct party names (no schema) and vessel names of generated version-2 declarations."""
    base = list(items_to_declarations(read_items_csv(DECLARATIONS).items))[:declarations]
    generated = generate_declarations(
        len(base), seed=2026, planted_share=0.05, watchlist=load_ofac_sdn(SDN_DIRECTORY), base=base
    )
    parties: dict[Query, None] = {}
    for declaration in generated.items:
        for party in declaration.parties or ():
            parties[(party.name, None)] = None
        if declaration.transport is not None and declaration.transport.vessel_name:
            parties[(declaration.transport.vessel_name, "Vessel")] = None
    return list(parties)


def build_index(package: ModuleType) -> Any:
    """An index of the whole SDN list built by `package`, without a result cache (every query screened in full)."""
    index = package.WatchlistIndex(result_cache_size=0)
    index.extend(package.load_ofac_sdn(SDN_DIRECTORY))
    return index


def _reading(name: Any) -> tuple[object, ...] | None:
    if name is None:
        return None
    return (name.tokens, name.words, name.numbers, name.removed, name.other_script, _reading(name.other_reading))


def results(package: ModuleType, index: Any, query: Query) -> Iterator[tuple[str, object]]:
    """What one query gives in `package`: its normalised name, its matches and its wide name scores."""
    name, schema = query
    yield "normalized", _reading(package.normalize_name(name))
    matches = index.screen(package.ScreeningQuery(name=name, schema=schema))
    yield "matches", [(m.entry.entry_id, m.matched_name, m.score, tuple(m.evidence)) for m in matches]
    yield "name_scores", list(index.name_scores(name, schema, threshold=WIDE_THRESHOLD).scored)


def _same(old: object, new: object) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) <= TOLERANCE
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return old == new


def compare(revision: str, queries: list[Query]) -> dict[str, object]:
    """Screen `queries` with both packages; the count of queries and of differences, the first few differences."""
    with tempfile.TemporaryDirectory() as folder:
        previous = screening_at(revision, Path(folder))
        old_index, new_index = build_index(previous), build_index(current)
        differences: list[dict[str, object]] = []
        count = 0
        start = time.perf_counter()
        for query in queries:
            for (part, old), (_, new) in zip(
                results(previous, old_index, query), results(current, new_index, query), strict=True
            ):
                if not _same(old, new):
                    count += 1
                    if len(differences) < 5:
                        differences.append({"query": query, "part": part, "old": repr(old), "new": repr(new)})
    return {
        "revision": revision,
        "queries": len(queries),
        "differences": count,
        "first": differences,
        "seconds": round(time.perf_counter() - start, 1),
    }


def merge_base() -> str:
    """The commit this branch left main at."""
    command = ["git", "merge-base", "HEAD", "main"]
    return subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()[:12]


def main() -> None:
    """Compare the two packages on the SDN stream and the version-2 party names; exit 1 on any difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", default=None, help="a git revision; default: the merge base with main")
    parser.add_argument("--sdn-queries", type=int, default=20_000)
    parser.add_argument("--declarations", type=int, default=5_000)
    arguments = parser.parse_args()
    configure_logging()
    queries = sdn_queries(arguments.sdn_queries) + party_queries(arguments.declarations)
    revision = arguments.revision or merge_base()
    report = compare(revision, queries)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    sys.exit(1 if report["differences"] else 0)


if __name__ == "__main__":
    main()
