"""Recall and false alarms of passenger screening: generated traffic with planted SDN persons through scoring.

The whole vendored OFAC SDN list is loaded into scoring's list state as the watchlist import publishes it (every
party, red on a hit); the passenger generator plants listed persons under spelling, transliteration, typing,
accent and Cyrillic variants of their names; PassengerPipeline selects and decides each record as it would live.

Run for the numbers in docs/streams.md:
`.venv/bin/python -m tests.unit.services.screening_measure --count 20000 --containers 20000`.
"""

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.lists import ListState
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.schemas import Lane, ReasonKind
from portcullis.shared.schemas.watchlist import Action, EntryDocument, encode_document, topic_key
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.synthetic import PlantedKind, generate_containers, generate_passengers
from portcullis.watchlist.entries.imports import to_spec
from tests.unit.services.stream_fixtures import CapturingPublisher, FakeRecord

SDN_DIR = Path(__file__).resolve().parents[3] / "data" / "ofac-sdn"


@dataclass
class ScreeningMeasure:
    """What screening did with planted listed persons and with clean travellers."""

    planted: int = 0
    caught: int = 0
    caught_red: int = 0
    clean: int = 0
    false_alarms: int = 0
    false_holds: int = 0
    missed: list[str] = field(default_factory=list)
    caught_by_variant: Counter[str] = field(default_factory=Counter)
    planted_by_variant: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.caught / self.planted

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.clean


def sdn_list_state(entries: list[WatchlistEntry]) -> ListState:
    """Scoring's list state holding the SDN parties as the watchlist import publishes them (red on a hit)."""
    now = datetime.now(UTC)
    records = []
    for offset, entry in enumerate(entries):
        try:
            spec = to_spec(entry, Action(lane=Lane.RED))
        except ValueError:  # the import skips (and reports) the few parties the list gets wrong
            continue
        document = EntryDocument(id=entry.entry_id, version=1, changed_by="import", changed_at=now, entry=spec)
        records.append(FakeRecord(topic_key(document), encode_document(document), offset))
    state = ListState()
    state.apply(records, live=False)  # type: ignore[arg-type]
    return state


def measure(
    entries: list[WatchlistEntry], state: ListState, count: int, seed: int, planted_share: float
) -> ScreeningMeasure:
    """Generate `count` passengers and score them; count the planted persons caught and the clean ones flagged."""
    synthetic = generate_passengers(count, seed=seed, planted_share=planted_share, watchlist=entries)
    pipeline = PassengerPipeline(ScoringSettings(random_selection_rate=0.0), state, CapturingPublisher())  # type: ignore[arg-type]
    now = datetime.now(UTC)
    selections = pipeline.select(synthetic.items, now)
    decisions = pipeline.decide(synthetic.items, [now] * count, selections, ("r", "w"))
    result = ScreeningMeasure()
    for decision, truth in zip(decisions, synthetic.truth, strict=True):
        listed = {r.code for r in decision.reasons if r.kind is ReasonKind.WATCHLIST}
        if PlantedKind.SDN_PERSON in truth.kinds:
            variant = truth.detail.split(";")[0]
            result.planted += 1
            result.planted_by_variant[variant] += 1
            # Caught: a lane, or a possible match held for an analyst's review (it forces no lane by itself).
            pending = {m.entry_id for m in decision.review.possible_matches} if decision.review else set()
            if truth.watchlist_entry in listed and (
                decision.lane is not Lane.GREEN or truth.watchlist_entry in pending
            ):
                result.caught += 1
                result.caught_by_variant[variant] += 1
                result.caught_red += decision.lane is Lane.RED
            else:
                result.missed.append(f"{truth.watchlist_entry} ({variant}; {decision.subject_id})")
        elif not truth.planted:
            result.clean += 1
            if listed:
                result.false_alarms += 1
                result.false_holds += decision.lane is Lane.RED
    return result


def measure_containers(
    entries: list[WatchlistEntry], state: ListState, count: int, seed: int, planted_share: float
) -> dict[str, Counter[str]]:
    """Lanes of generated container events per planted kind (`clean` for the rest) with the SDN list and no rules."""
    synthetic = generate_containers(count, seed=seed, planted_share=planted_share, watchlist=entries)
    pipeline = ContainerPipeline(ScoringSettings(random_selection_rate=0.0), state, CapturingPublisher())  # type: ignore[arg-type]
    now = datetime.now(UTC)
    selections = pipeline.select(synthetic.items, now)
    decisions = pipeline.decide(synthetic.items, [now] * count, selections, ("r", "w"))
    lanes: dict[str, Counter[str]] = {}
    for decision, truth in zip(decisions, synthetic.truth, strict=True):
        kind = ";".join(truth.kinds) or "clean"
        counter = lanes.setdefault(kind, Counter())
        counter[decision.lane] += 1
        listed = {r.code for r in decision.reasons if r.kind is ReasonKind.WATCHLIST}
        if truth.watchlist_entry and truth.watchlist_entry in listed:
            counter["entry named"] += 1
        if kind == "clean" and listed:
            counter["watchlist hit"] += 1
    return lanes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--planted-share", type=float, default=0.25)
    parser.add_argument("--containers", type=int, default=0, help="also score this many container events")
    args = parser.parse_args()
    entries = load_ofac_sdn(SDN_DIR)
    state = sdn_list_state(entries)
    started = time.process_time()
    result = measure(entries, state, args.count, args.seed, args.planted_share)
    print(f"CPU {1000 * (time.process_time() - started) / args.count:.2f} ms a record, generation included")
    print(f"planted listed persons: {result.planted}, caught {result.caught} ({result.recall:.2%})")
    print(f"  of them red (hold): {result.caught_red}")
    for variant, planted in sorted(result.planted_by_variant.items()):
        print(f"  {variant}: {result.caught_by_variant[variant]} of {planted}")
    print(
        f"clean travellers: {result.clean}, flagged {result.false_alarms} ({result.false_alarm_rate:.2%}), "
        f"of them held {result.false_holds} ({result.false_holds / result.clean:.2%})"
    )
    for missed in result.missed:
        print(f"  missed {missed}")
    if args.containers:
        started = time.process_time()
        measured = measure_containers(entries, state, args.containers, args.seed, 0.2)
        print(f"CPU {1000 * (time.process_time() - started) / args.containers:.2f} ms an event, generation included")
        for kind, lanes in sorted(measured.items()):
            print(f"containers {kind}: {dict(sorted((str(k), v) for k, v in lanes.items()))}")


if __name__ == "__main__":
    main()
