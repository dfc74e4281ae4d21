"""Re-screening on list change: the time to screen a month of stored traffic against one new entry.

Run alone: `.venv/bin/python -m benchmarks.rescreen [scale] [folder]` prints the figures as JSON (scale 1.0: the daily
volumes below, 30 days). The month is written to a store in the sink's layout through the sink itself. Generating
half a million travellers one by one takes minutes, so a pool is generated and recombined: each stored traveller
takes the given names, surname, birth date and document of different pool members (distinct people, as at a real
airport); declarations and container events reuse the pool's parties and vessels (traders and ships recur).
Listed entries from the vendored OFAC extract, one of each kind, with some travellers planted on the person.
"""

import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from portcullis.analytics.rescreen.history import HistoryReader
from portcullis.analytics.rescreen.screen import Limits, rescreen
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, WatchlistEntry, load_ofac_sdn
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import generate_containers, generate_declarations, generate_passengers
from tests.unit.analytics.history_records import FakeRecord

DAYS = 30
#: Realistic daily volumes for a mid-sized customs administration: arriving international air passengers at a
#: large airport, version-2 import declarations, and container events at a mid-sized port.
PASSENGERS_PER_DAY = 15_000
DECLARATIONS_PER_DAY = 8_000
CONTAINER_EVENTS_PER_DAY = 2_000
POOL = 20_000
LIMITS = Limits(DEFAULT_MATCH_THRESHOLD, 0.95)


def _write(sink: HistorySink, topic: str, messages: Iterator[tuple[str, dict[str, Any]]], count: int) -> None:
    """Write `count` messages spread over the month, in batches (the messages are made as they are written)."""
    start = datetime.now(UTC) - timedelta(days=DAYS)
    origin, step_ms = int(start.timestamp() * 1000), DAYS * 86_400_000 // max(1, count)
    full_name = KafkaSettings().topic(topic)
    batch: list[FakeRecord] = []
    for offset, (key, value) in enumerate(messages):
        batch.append(FakeRecord(full_name, 0, offset, origin + offset * step_ms, key.encode(), orjson.dumps(value)))
        if len(batch) == 50_000:
            sink.write(batch)  # type: ignore[arg-type]
            batch = []
    if batch:
        sink.write(batch)  # type: ignore[arg-type]


def _entries() -> dict[str, WatchlistEntry]:
    listed = load_ofac_sdn(Path(__file__).resolve().parents[1] / "data" / "ofac-sdn")
    person = next(e for e in listed if e.kind == "person" and e.birth_dates and len(e.aliases) >= 2)
    organization = next(e for e in listed if e.kind == "organization" and len(e.aliases) >= 2)
    vessel = next(e for e in listed if e.kind == "vessel" and e.imo_number)
    return {"person": person, "organization": organization, "vessel": vessel}


def build_store(folder: Path, scale: float, entries: dict[str, WatchlistEntry]) -> dict[str, int]:
    """Write a month of passengers, declarations and container events; return how many of each."""
    start = datetime.now(UTC) - timedelta(days=DAYS)
    rng = random.Random(5)
    listed = list(entries.values())
    sink = HistorySink(StoreLayout(folder / "history", folder / "history-personal"), KafkaSettings())
    counts = {
        "passengers": round(PASSENGERS_PER_DAY * DAYS * scale),
        "declarations": round(DECLARATIONS_PER_DAY * DAYS * scale),
        "container_events": round(CONTAINER_EVENTS_PER_DAY * DAYS * scale),
    }
    pool = generate_passengers(POOL, seed=5, planted_share=0.002, watchlist=listed, start=start, days=DAYS).items
    people = [item.model_dump(mode="json") for item in pool]

    def passengers() -> Iterator[tuple[str, dict[str, Any]]]:
        for index in range(counts["passengers"]):
            traveller = dict(people[index % POOL])
            other, born, papers = rng.choice(people), rng.choice(people), rng.choice(people)
            traveller["record_id"] = f"{traveller['record_id']}-{index}"
            traveller["surname"] = other["surname"]
            traveller["date_of_birth"] = born["date_of_birth"]
            traveller["document"] = {**traveller["document"], "number": papers["document"]["number"]}
            yield traveller["record_id"], traveller

    _write(sink, "passengers", passengers(), counts["passengers"])
    base = generate_declarations(POOL // 4, seed=5, planted_share=0.01, watchlist=listed, start=start).items
    declared = [declaration.model_dump(mode="json") for declaration in base]

    def declarations() -> Iterator[tuple[str, dict[str, Any]]]:
        for index in range(counts["declarations"]):
            declaration = dict(declared[index % len(declared)])
            declaration["declaration_id"] = f"{declaration['declaration_id'][:10]}{index:08d}"
            declaration["parties"] = rng.choice(declared)["parties"]
            yield declaration["declaration_id"], declaration

    _write(sink, "declarations", declarations(), counts["declarations"])
    journeys = [
        event.model_dump(mode="json")
        for event in generate_containers(POOL // 4, seed=5, planted_share=0.01, watchlist=listed, start=start).items
    ]

    def events() -> Iterator[tuple[str, dict[str, Any]]]:
        for index in range(counts["container_events"]):
            event = dict(journeys[index % len(journeys)])
            event["event_id"] = f"{event['event_id']}-{index}"
            event["shipper"] = rng.choice(journeys)["shipper"]
            yield event["event_id"], event

    _write(sink, "containers", events(), counts["container_events"])
    return counts


def _timed(layout: StoreLayout, entries: list[WatchlistEntry], since: datetime) -> dict[str, float | int]:
    started, cpu = time.perf_counter(), time.process_time()
    reader = HistoryReader(layout)
    try:
        hits = rescreen(reader, entries, LIMITS, since)
    finally:
        reader.close()
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return {"entries": len(entries), "seconds": round(elapsed, 2), "cpu_seconds": round(cpu_s, 2), "hits": len(hits)}


def run(folder: Path, scale: float = 1.0, whole_list: bool = True) -> dict[str, Any]:
    """Build the month, then re-screen it against one listed person, organisation and vessel, each alone; a day's
    changes (ten entries of the three kinds) together; and (`whole_list`) the whole OFAC extract in one pass."""
    entries = _entries()
    started = time.perf_counter()
    stored = build_store(folder, scale, entries) if not (folder / "history").exists() else {}
    build_s = time.perf_counter() - started
    layout = StoreLayout(folder / "history", folder / "history-personal")
    since = datetime.now(UTC) - timedelta(days=DAYS)
    timings = {kind: _timed(layout, [entry], since) for kind, entry in entries.items()}
    listed = load_ofac_sdn(Path(__file__).resolve().parents[1] / "data" / "ofac-sdn")
    kinds = ("person", "organization", "vessel")
    day = [e for kind in kinds for e in [x for x in listed if x.kind == kind][:3]] + [entries["person"]]
    timings["a_days_changes"] = _timed(layout, day, since)
    if whole_list:
        timings["whole_list"] = _timed(layout, listed, since)
    return {"days": DAYS, "stored": stored, "store_build_s": round(build_s, 1), "rescreen": timings}


def main() -> None:
    """`[scale] [folder]`: a folder given keeps the store (a second run re-screens it without building it again)."""
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    if len(sys.argv) > 2:
        print(json.dumps(run(Path(sys.argv[2]), scale), indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="rescreen-bench-") as folder:
        print(json.dumps(run(Path(folder), scale), indent=2))


if __name__ == "__main__":
    main()
