"""Screening version-2 declarations in process, every party name new and then every party name known: CPU a
declaration, no broker.

The same 8,134 generated declarations as `benchmarks.declarations_v2` (whole SDN list, 50 rules), through scoring's
`screen_declarations` in batches of 1,000 with one party cache: first cold (every name screened once through the
matcher, as the bench's cold run does), then again with every name kept. The difference is what names never seen
before cost; compare revisions by running this file under each (e.g. alternating with a `git archive` of main).

Run: `.venv/bin/python -m benchmarks.party_screening_cold [--count 10000]`; prints JSON.
"""

import argparse
import json
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from benchmarks.declarations_v2 import REPO, VALID
from benchmarks.kafka_paths import sanctions_and_rules
from portcullis.scoring.declaration_screening import ScreeningLimits, screen_declarations
from portcullis.scoring.lists import ListState
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.logging import configure_logging
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration
from portcullis.shared.screening import load_ofac_sdn
from portcullis.shared.synthetic import generate_declarations

_BATCH = 1000


def _cpu_us_per_declaration(
    lists: ListState, declarations: Sequence[Declaration], limits: ScreeningLimits, parties: PartyScreeningCache
) -> float:
    at = datetime.now(UTC)
    start = time.process_time()
    for offset in range(0, len(declarations), _BATCH):
        batch = declarations[offset : offset + _BATCH]
        screen_declarations(lists, batch, [Selection() for _ in batch], at, limits, parties)
    return (time.process_time() - start) / len(declarations) * 1e6


def run(count: int) -> dict[str, float]:
    """CPU microseconds a declaration, cold and with every party name kept, and their difference."""
    base = list(items_to_declarations(read_items_csv(VALID).items))[:count]
    synthetic = generate_declarations(
        len(base), seed=2026, planted_share=0.05, watchlist=load_ofac_sdn(REPO / "data" / "ofac-sdn"), base=base
    )
    lists = sanctions_and_rules()
    settings = ScoringSettings()
    limits = ScreeningLimits(settings.screening_threshold, settings.screening_strong_score, settings.review_threshold)
    parties = PartyScreeningCache()
    cold = _cpu_us_per_declaration(lists, synthetic.items, limits, parties)
    known = _cpu_us_per_declaration(lists, synthetic.items, limits, parties)
    return {
        "declarations": len(synthetic.items),
        "cold_cpu_us": round(cold, 1),
        "names_known_cpu_us": round(known, 1),
        "new_names_cpu_us": round(cold - known, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    arguments = parser.parse_args()
    configure_logging()
    print(json.dumps(run(arguments.count), indent=1))


if __name__ == "__main__":
    main()
