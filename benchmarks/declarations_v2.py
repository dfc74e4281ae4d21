"""Scoring version-2 declarations (parties, vessel, containers) against the Kafka limit, in one bounded run.

The same declarations of the data set twice: as version 1 and with version-2 parts added by the generator (5% with
a planted listed party or vessel), on the real broker over their own topics, with the real model, 50 rules and the
whole SDN list: (a) the limit (consume, decode, produce, no scoring) on the version-2 messages, (b1) scoring the
version-1 messages, (b2) scoring the version-2 messages, and (b2) again with every party's name screening kept
from before (traders recurring; see scoring's party_cache.py). The issue's goals: (b2) at least a seventh of (a),
(b1) at least a fifth. (a), (b1) and (b2) run three times in turn; their figures are the rounds' medians. (a) drains
its messages three times over (`kafka_paths.LIMIT_PASSES`), so that it lasts long enough to measure.

Run: `.venv/bin/python -m benchmarks.declarations_v2 --registry DIR [--count 10000]` (a model registry with a
published model, e.g. `.run/models` after `make up`; the broker at PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS or
127.0.0.1:9092).
"""

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from benchmarks.kafka_paths import (
    LIMIT_PASSES,
    _drain,
    _fresh_topics,
    _load,
    _passthrough,
    _scoring,
    delete_new_bench_topics,
    sanctions_and_rules,
    topic_names,
)
from portcullis.scoring.declaration_screening import ScreeningLimits, screen_declarations
from portcullis.scoring.lists import ListState
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration
from portcullis.shared.screening import load_ofac_sdn
from portcullis.shared.synthetic import generate_declarations

REPO = Path(__file__).resolve().parent.parent
VALID = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"


async def run(bootstrap: str, registry: Path, count: int, rounds: int = 3) -> dict[str, float | list[dict[str, float]]]:
    """Messages a second for (a), (b1) and (b2), and CPU microseconds a message of each: the medians of `rounds`
    rounds of the three in turn, each share of (a) the median of each round's share (as `kafka_paths.run`)."""
    base = list(items_to_declarations(read_items_csv(VALID).items))[:count]
    synthetic = generate_declarations(
        len(base), seed=2026, planted_share=0.05, watchlist=load_ofac_sdn(REPO / "data" / "ofac-sdn"), base=base
    )
    version_1 = [d.model_dump(mode="json") for d in base]
    version_2 = [d.model_dump(mode="json") for d in synthetic.items]
    lists = sanctions_and_rules()
    measured: list[dict[str, float]] = []
    for _ in range(rounds):
        figures: dict[str, float] = {}
        for name, documents, scoring in (
            ("limit_v2", version_2 * LIMIT_PASSES, False),
            ("scoring_v1", version_1, True),
            ("scoring_v2", version_2, True),
        ):
            topics = await _fresh_topics(bootstrap)
            await _load(topics, documents)
            cpu: dict[str, float] = {}
            if scoring:
                make, warm = _scoring(topics, registry, lists)
                await warm()
            else:
                make = _passthrough(topics)
            figures[f"{name}_per_s"] = await _drain(topics, len(documents), make, 1000, 300, cpu)
            figures[f"{name}_cpu_us_per_message"] = cpu["us_per_message"]
            figures[f"{name}_closing_s"] = cpu["closing_s"]  # after the clocks stopped (not in the figures)
        figures["v2_share_of_limit"] = figures["scoring_v2_per_s"] / figures["limit_v2_per_s"]
        figures["v1_share_of_limit"] = figures["scoring_v1_per_s"] / figures["limit_v2_per_s"]
        measured.append(figures)
    results: dict[str, float | list[dict[str, float]]] = {key: median(r[key] for r in measured) for key in measured[0]}
    results["rounds"] = measured
    results["messages"] = len(base)
    results["limit_passes"] = LIMIT_PASSES
    # (b2) again when every party was screened before: traders recurring, as they do in real traffic (the
    # generator's names recur less: some 11,000 distinct party names in 8,134 declarations), the cache warm. Once,
    # against the median (a).
    topics = await _fresh_topics(bootstrap)
    await _load(topics, version_2)
    make, warm = _scoring(topics, registry, lists, _warm_party_cache(lists, synthetic.items))
    await warm()
    cpu = {}
    results["scoring_v2_recurring_per_s"] = recurring = await _drain(topics, len(version_2), make, 1000, 300, cpu)
    results["scoring_v2_recurring_cpu_us_per_message"] = cpu["us_per_message"]
    results["v2_recurring_share_of_limit"] = recurring / float(results["limit_v2_per_s"])  # type: ignore[arg-type]
    return results


def _warm_party_cache(lists: ListState, declarations: Sequence[Declaration]) -> PartyScreeningCache:
    """A party cache holding the screenings of every party and vessel name of `declarations`."""
    parties = PartyScreeningCache()
    settings = ScoringSettings()
    limits = ScreeningLimits(settings.screening_threshold, settings.screening_strong_score, settings.review_threshold)
    at = datetime.now(UTC)
    screen_declarations(lists, declarations, [Selection() for _ in declarations], at, limits, parties)
    return parties


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    bootstrap = os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    started = time.perf_counter()
    before = asyncio.run(topic_names(bootstrap))
    try:
        results = asyncio.run(run(bootstrap, args.registry, args.count))
    finally:
        asyncio.run(delete_new_bench_topics(bootstrap, before))  # each phase makes its own topics
    results["seconds"] = time.perf_counter() - started
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
