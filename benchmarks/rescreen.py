"""Re-screening on list change: the time to screen a month of stored traffic against one new entry.

Run alone: `.venv/bin/python -m benchmarks.rescreen [scale]` prints the figures as JSON (scale 1.0: the daily
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


def _records(topic: str, messages: list[tuple[str, dict[str, Any]]], start: datetime) -> list[FakeRecord]:
    step_ms = DAYS * 86_400_000 // max(1, len(messages))
    origin = int(start.timestamp() * 1000)
    return [
        FakeRecord(topic, 0, offset, origin + offset * step_ms, key.encode(), orjson.dumps(value))
        for offset, (key, value) in enumerate(messages)
    ]


def _entries() -> dict[str, WatchlistEntry]:
    listed = load_ofac_sdn(Path(__file__).resolve().parents[1] / "data" / "ofac-sdn")
    person = next(e for e in listed if e.kind == "person" and e.birth_dates and len(e.aliases) >= 2)
    organization = next(e for e in listed if e.kind == "organization" and len(e.aliases) >= 2)
    vessel = next(e for e in listed if e.kind == "vessel" and e.imo_number)
    return {"person": person, "organization": organization, "vessel": vessel}


def build_store(folder: Path, scale: float, entries: dict[str, WatchlistEntry]) -> dict[str, int]:
    """Write a month of passengers, declarations and container events; return how many of each."""
    kafka = KafkaSettings()
    start = datetime.now(UTC) - timedelta(days=DAYS)
    rng = random.Random(5)
    listed = list(entries.values())
    pool = generate_passengers(POOL, seed=5, planted_share=0.002, watchlist=listed, start=start, days=DAYS).items
    people = [item.model_dump(mode="json") for item in pool]
    passengers = []
    for index in range(round(PASSENGERS_PER_DAY * DAYS * scale)):
        traveller = dict(people[index % POOL])
        other, born, papers = rng.choice(people), rng.choice(people), rng.choice(people)
        traveller["record_id"] = f"{traveller['record_id']}-{index}"
        traveller["surname"] = other["surname"]
        traveller["date_of_birth"] = born["date_of_birth"]
        traveller["document"] = {**traveller["document"], "number": papers["document"]["number"]}
        passengers.append((traveller["record_id"], traveller))
    base = generate_declarations(POOL // 4, seed=5, planted_share=0.01, watchlist=listed, start=start).items
    declarations = []
    for index in range(round(DECLARATIONS_PER_DAY * DAYS * scale)):
        declaration = base[index % len(base)].model_dump(mode="json")
        declaration["declaration_id"] = f"{declaration['declaration_id'][:10]}{index:08d}"
        declaration["parties"] = rng.choice(base).model_dump(mode="json")["parties"]
        declarations.append((declaration["declaration_id"], declaration))
    events_pool = generate_containers(POOL // 4, seed=5, planted_share=0.01, watchlist=listed, start=start).items
    events = []
    for index in range(round(CONTAINER_EVENTS_PER_DAY * DAYS * scale)):
        event = events_pool[index % len(events_pool)].model_dump(mode="json")
        event["event_id"] = f"{event['event_id']}-{index}"
        event["shipper"] = rng.choice(events_pool).model_dump(mode="json")["shipper"]
        events.append((event["event_id"], event))
    layout = StoreLayout(folder / "history", folder / "history-personal")
    sink = HistorySink(layout, kafka)
    for topic, messages in (("passengers", passengers), ("declarations", declarations), ("containers", events)):
        records = _records(kafka.topic(topic), messages, start)
        for first in range(0, len(records), 50_000):
            sink.write(records[first : first + 50_000])  # type: ignore[arg-type]
    return {"passengers": len(passengers), "declarations": len(declarations), "container_events": len(events)}


def run(folder: Path, scale: float = 1.0) -> dict[str, Any]:
    """Build the month, then re-screen it against one listed person, organisation and vessel; time each."""
    entries = _entries()
    started = time.perf_counter()
    stored = build_store(folder, scale, entries)
    build_s = time.perf_counter() - started
    layout = StoreLayout(folder / "history", folder / "history-personal")
    since = datetime.now(UTC) - timedelta(days=DAYS)
    timings: dict[str, dict[str, float | int]] = {}
    for kind, entry in entries.items():
        started = time.perf_counter()
        reader = HistoryReader(layout)
        try:
            hits = rescreen(reader, entry, LIMITS, since)
        finally:
            reader.close()
        timings[kind] = {"seconds": round(time.perf_counter() - started, 2), "hits": len(hits)}
    return {"days": DAYS, "stored": stored, "store_build_s": round(build_s, 1), "rescreen": timings}


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    with tempfile.TemporaryDirectory(prefix="rescreen-bench-") as folder:
        print(json.dumps(run(Path(folder), scale), indent=2))


if __name__ == "__main__":
    main()
