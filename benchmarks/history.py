"""The history store: report latency over 1,000,000 stored declarations, and the sink's rate.

Run alone: `.venv/bin/python -m benchmarks.history [declarations]` prints the figures as JSON (`make bench` runs it
too). The large store is built directly in the sink's layout (compacted: one file per topic partition and day) from
vectorised random data with the same columns as the sink writes; its `payload` column is a placeholder, which the
reports never read. The sink's rate is measured on real messages of a generated month: in process (the handler
alone), and through the real broker and the analytics service (a backlog drained).
"""

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from portcullis.analytics.reports.performance import PerformanceGroup, performance_report
from portcullis.analytics.reports.period import Period
from portcullis.analytics.reports.time_release import TimeReleaseGroup, time_release_report
from portcullis.analytics.store import sql_files, subjects, timelines
from portcullis.analytics.store.datasets import DATASETS, MONEY, TIME, Dataset
from portcullis.analytics.store.files import StoreLayout, file_name
from portcullis.analytics.store.reader import connect
from portcullis.analytics.store.sink import HistorySink
from portcullis.cli.processes import ServiceSet
from portcullis.shared.kafka import Message, Publisher, ensure_topics
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import generate_history

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
PARTITIONS = 6
PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))


def _store_table(dataset: Dataset, columns: dict[str, Any], times_ms: np.ndarray) -> pa.Table:
    """A table in the dataset's schema: Kafka columns from the row order, the given columns, a placeholder payload."""
    count = len(times_ms)
    order = np.argsort(times_ms, kind="stable")
    partition = np.arange(count) % PARTITIONS
    offset = np.arange(count) // PARTITIONS
    arrays: dict[str, Any] = {
        "kafka_partition": pa.array(partition, pa.int32()),
        "kafka_offset": pa.array(offset, pa.int64()),
        "kafka_timestamp": pa.array(times_ms[order], pa.int64()).cast(pa.timestamp("ms", tz="UTC")).cast(TIME),
        "key": None,
        "payload": pa.array(np.full(count, "{}", dtype=object), pa.string()),
    }
    for name, values in columns.items():
        arrays[name] = values.take(pa.array(order)) if isinstance(values, pa.Array) else values[order]
    fields = []
    for field in dataset.schema:
        value = arrays.get(field.name)
        if value is None:
            fields.append(pa.nulls(count, field.type))
        elif isinstance(value, pa.Array):
            fields.append(value.cast(field.type))
        else:
            fields.append(pa.array(value).cast(field.type))
    return pa.Table.from_arrays(fields, schema=dataset.schema)


def _write_days(layout: StoreLayout, dataset: Dataset, table: pa.Table, topic: str) -> int:
    """Write the table as one file per partition and day (what compaction leaves); return the files written."""
    days = pc.strftime(table.column("kafka_timestamp"), format="%Y-%m-%d").to_numpy(zero_copy_only=False)
    partitions = table.column("kafka_partition").to_numpy()
    written = 0
    for day in np.unique(days):
        for partition in range(PARTITIONS):
            mask = (days == day) & (partitions == partition)
            if not mask.any():
                continue
            part = table.filter(pa.array(mask))
            offsets = part.column("kafka_offset")
            folder = layout.folder(dataset) / f"day={day}"
            folder.mkdir(parents=True, exist_ok=True)
            first, last = int(offsets[0].as_py()), int(offsets[-1].as_py())
            pq.write_table(part, folder / file_name(topic, partition, first, last), compression="zstd")
            written += 1
    return written


def build_store(layout: StoreLayout, declarations: int, seed: int = 15) -> dict[str, int]:
    """A month of `declarations` declarations' decisions, outcomes and clearance events; rows written per dataset."""
    rng = np.random.default_rng(seed)
    n = declarations
    second = 1000
    submitted = np.sort(START.timestamp() * second + rng.uniform(3 * 3600, DAYS * 86400 - 3 * 3600, n) * second)
    submitted = submitted.astype(np.int64)
    decided = submitted + rng.integers(20, 900, n)
    ids = pa.array([f"B{index:09d}" for index in range(n)], pa.string())
    non_compliant = rng.random(n) < 0.08
    score = np.clip(rng.normal(np.where(non_compliant, 0.7, 0.3), 0.2), 0, 1)
    has_rule = rng.random(n) < np.where(non_compliant, 0.08, 0.02)
    lane = np.where(score > 0.75, "red", np.where((score > 0.6) | has_rule, "yellow", "green")).astype(object)
    random_selection = (lane == "green") & (rng.random(n) < 0.1)
    lane[random_selection] = "red"
    rule_offsets = np.concatenate([[0], np.cumsum(has_rule)]).astype(np.int32)
    rule_ids = pa.ListArray.from_arrays(pa.array(rule_offsets), pa.array(np.full(has_rule.sum(), "R-UNDERVALUE")))
    empty_lists = pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string()))
    offices = np.array(["030", "040", "110", "220", "310"], dtype=object)[rng.integers(0, 5, n)]
    model_version = np.where(submitted < (START.timestamp() + 15 * 86400) * second, "dm-a", "dm-b").astype(object)
    time_of = lambda ms: pa.array(ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))  # noqa: E731
    decisions = _store_table(
        DATASETS["decisions"],
        {
            "stream": np.full(n, "declaration", dtype=object),
            "subject_id": ids,
            "version": np.ones(n, np.int32),
            "lane": lane,
            "score": score,
            "model_version": model_version,
            "rules_version": np.full(n, "rules-1", dtype=object),
            "watchlist_version": np.full(n, "wl-1", dtype=object),
            "random_selection": random_selection,
            "rule_ids": rule_ids,
            "watchlist_entries": empty_lists,
            "office_id": offices,
            "submitted_at": time_of(submitted),
            "received_at": time_of(submitted + 5),
            "decided_at": time_of(decided),
        },
        decided,
    )
    inspected = (lane == "red") | ((lane == "yellow") & (rng.random(n) < 0.8))
    hit = inspected & non_compliant & ((lane == "red") | (rng.random(n) < 0.7))
    where = np.flatnonzero(inspected)
    hits = hit[where]
    revenue = np.where(hits, np.round(rng.uniform(100, 20_000, len(where)), 2), 0.0)
    seized = hits & (rng.random(len(where)) < 0.25)
    recorded = decided[where] + 6 * 3600 * second
    outcomes = _store_table(
        DATASETS["outcomes"],
        {
            "stream": np.full(len(where), "declaration", dtype=object),
            "subject_id": ids.take(pa.array(where)),
            "version": np.ones(len(where), np.int32),
            "lane": lane[where],
            "random_selection": random_selection[where],
            "inspected": np.ones(len(where), bool),
            "irregularity_found": hits,
            "revenue_recovered": pa.array(revenue).cast(MONEY),
            "officer_id": np.array([f"OFF-{k}" for k in rng.integers(100, 106, len(where))], dtype=object),
            "seizure_value": pa.array(np.where(seized, 1000.0, np.nan), from_pandas=True).cast(MONEY),
            "seizure_commodity": np.where(seized, "cigarettes", None).astype(object),
            "decided_at": time_of(decided[where]),
            "recorded_at": time_of(recorded),
        },
        recorded,
    )
    hour = 3600 * second
    moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # event type -> (declaration indexes, times)
    everyone = np.arange(n)
    moments["arrival"] = (everyone, submitted - (rng.uniform(2, 30, n) * hour).astype(np.int64))
    moments["lodged"] = (everyone, submitted)
    ready = decided.copy()
    yellow, red = np.flatnonzero(lane == "yellow"), np.flatnonzero(lane == "red")
    requested = decided[yellow] + int(0.2 * hour)
    received = requested + (rng.uniform(2, 30, len(yellow)) * hour).astype(np.int64)
    moments["documents_requested"], moments["documents_received"] = (yellow, requested), (yellow, received)
    ready[yellow] = received
    started = decided[red] + (rng.uniform(2, 24, len(red)) * hour).astype(np.int64)
    finished = started + (rng.uniform(0.5, 4, len(red)) * hour).astype(np.int64)
    moments["inspection_started"], moments["inspection_finished"] = (red, started), (red, finished)
    ready[red] = finished
    paying = np.flatnonzero(rng.random(n) < 0.6)
    paid = decided[paying] + (rng.uniform(0.5, 6, len(paying)) * hour).astype(np.int64)
    moments["duty_paid"] = (paying, paid)
    ready[paying] = np.maximum(ready[paying], paid)
    held = np.flatnonzero(rng.random(n) < 0.1)
    hold = submitted[held] + hour
    release = hold + (rng.uniform(5, 48, len(held)) * hour).astype(np.int64)
    moments["other_agency_hold"], moments["other_agency_release"] = (held, hold), (held, release)
    ready[held] = np.maximum(ready[held], release)
    moments["released"] = (everyone, ready + (rng.uniform(0.1, 2, n) * hour).astype(np.int64))
    agencies = np.array(["health", "agriculture", "standards"], dtype=object)[rng.integers(0, 3, n)]
    modes = np.array(["sea", "air", "road", "rail"], dtype=object)[rng.integers(0, 4, n)]
    parts: dict[str, list[Any]] = {name: [] for name in ("event_id", "declaration_id", "event_type", "agency")}
    rest: dict[str, list[np.ndarray]] = {"at": [], "office_id": [], "transport_mode": []}
    for event_type, (who, at) in moments.items():
        subjects = ids.take(pa.array(who))
        parts["event_id"].append(pc.binary_join_element_wise(subjects, pa.scalar("-" + event_type), ""))
        parts["declaration_id"].append(subjects)
        parts["event_type"].append(pa.array(np.full(len(who), event_type, dtype=object), pa.string()))
        agency = agencies[who] if event_type.startswith("other_agency") else np.full(len(who), "customs", dtype=object)
        parts["agency"].append(pa.array(agency, pa.string()))
        rest["at"].append(at)
        rest["office_id"].append(offices[who])
        rest["transport_mode"].append(modes[who])
    event_times = np.concatenate(rest["at"])
    events = _store_table(
        DATASETS["clearance_events"],
        {
            **{name: pa.concat_arrays(arrays) for name, arrays in parts.items()},
            "at": time_of(event_times),
            "office_id": np.concatenate(rest["office_id"]),
            "transport_mode": np.concatenate(rest["transport_mode"]),
        },
        event_times,
    )
    files = {}
    for dataset, table, topic in (
        ("decisions", decisions, "decisions"),
        ("outcomes", outcomes, "outcomes"),
        ("clearance_events", events, "clearance-events"),
    ):
        files[dataset] = _write_days(layout, DATASETS[dataset], table, topic)
    return {
        "decisions": decisions.num_rows,
        "outcomes": outcomes.num_rows,
        "clearance_events": events.num_rows,
        "files": sum(files.values()),
    }


def _timed(run: Callable[[], object], repeat: int = 3) -> dict[str, float]:
    """Wall seconds (best, median) and the process's CPU seconds (median: all threads; what another load moves less)."""
    seconds, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        run()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {"best_s": min(seconds), "median_s": statistics.median(seconds), "cpu_s": statistics.median(cpu)}


def report_latency(declarations: int) -> dict[str, object]:
    """Build a store of `declarations` and time the reports over it (a fresh connection each, as a request)."""
    with tempfile.TemporaryDirectory(prefix="portcullis-history-bench-") as scratch:
        layout = StoreLayout(Path(scratch) / "store", Path(scratch) / "personal")
        started = time.perf_counter()
        rows = build_store(layout, declarations)
        built_s = time.perf_counter() - started

        def performance(group_by: PerformanceGroup) -> Callable[[], object]:
            def run() -> object:
                with connect(layout) as connection:
                    return performance_report(connection, PERIOD, group_by)

            return run

        def release(group_by: TimeReleaseGroup) -> Callable[[], object]:
            def run() -> object:
                with connect(layout) as connection:
                    return time_release_report(connection, PERIOD, group_by, 24.0)

            return run

        # Before the maintenance built the pre-aggregates: every event pivoted, every decision and outcome read by the
        # request.
        without = {
            "performance_by_lane": _timed(performance(PerformanceGroup.LANE)),
            "performance_by_rule": _timed(performance(PerformanceGroup.RULE)),
            "time_release_by_lane": _timed(release(TimeReleaseGroup.LANE)),
            "time_release_by_agency": _timed(release(TimeReleaseGroup.AGENCY)),
        }
        started = time.perf_counter()
        timelines.build(layout)
        pre_aggregate_s = time.perf_counter() - started
        started = time.perf_counter()
        subjects.build(layout)
        subjects_s = time.perf_counter() - started
        timings = {
            "performance_by_lane": _timed(performance(PerformanceGroup.LANE)),
            "performance_by_rule": _timed(performance(PerformanceGroup.RULE)),
            "performance_by_week": _timed(performance(PerformanceGroup.WEEK)),
            "time_release_by_lane": _timed(release(TimeReleaseGroup.LANE)),
            "time_release_by_agency": _timed(release(TimeReleaseGroup.AGENCY)),
        }
        # Between two maintenance passes: the last day's decisions and outcomes as if they came after the pre-aggregate
        # (dropped from its manifest; the merge counts a row it holds once), merged by each request.
        _unfold_last_day(layout)
        timings["performance_by_lane_last_day_unfolded"] = _timed(performance(PerformanceGroup.LANE))
        size = sum(path.stat().st_size for path in Path(scratch).rglob("*.parquet"))
    return {
        "declarations": declarations,
        "rows": rows,
        "store_mb": size / 1e6,
        "build_s": built_s,
        "pre_aggregate_s": pre_aggregate_s,
        "subjects_pre_aggregate_s": subjects_s,
        "without_pre_aggregate": without,
        **timings,
    }


def _unfold_last_day(layout: StoreLayout) -> None:
    """Drop the last day's decision and outcome files from the subjects' pre-aggregate's manifest."""
    path = subjects.folder(layout) / sql_files.MANIFEST
    manifest = json.loads(path.read_text())
    last = max(name.split("/")[0] for name in manifest["decisions"])
    for dataset in ("decisions", "outcomes"):
        manifest[dataset] = [name for name in manifest[dataset] if not name.startswith(last + "/")]
    path.write_text(json.dumps(manifest))


def _records(declarations: int) -> tuple[list[Any], dict[str, int]]:
    """The month's messages as records arriving live, interleaved across topics and stamped 5,000 declarations'
    worth a second from now on (a batch holds a moment of traffic, not a week of it)."""
    from dataclasses import replace

    from tests.unit.analytics.history_records import month_records

    month = generate_history(declarations=declarations, seed=21)
    counts = {topic: len(messages) for topic, messages in month.messages.items()}
    records = sorted(month_records(month), key=lambda record: record.timestamp)
    now_ms = int(time.time() * 1000)
    per_ms = sum(counts.values()) / declarations * 5  # records a millisecond at 5,000 declarations a second
    return [replace(record, timestamp=now_ms + int(index / per_ms)) for index, record in enumerate(records)], counts


def sink_rate_in_process(declarations: int = 20_000, batch: int = 20_000) -> dict[str, object]:
    """The sink's handler alone: real messages of a generated month, in batches of the service's max_batch, to files on
    this disk."""
    records, counts = _records(declarations)
    with tempfile.TemporaryDirectory(prefix="portcullis-sink-bench-") as scratch:
        sink = HistorySink(StoreLayout(Path(scratch) / "s", Path(scratch) / "p"), KafkaSettings())
        started = time.perf_counter()
        for start in range(0, len(records), batch):
            sink.write(records[start : start + batch])
        seconds = time.perf_counter() - started
    return {
        "records": len(records),
        "per_topic": counts,
        "batch": batch,
        "seconds": seconds,
        "records_per_s": len(records) / seconds,
        "declarations_per_s": declarations / seconds,
    }


async def sink_rate_through_broker(bootstrap: str, folder: Path, declarations: int = 60_000) -> dict[str, object]:
    """The analytics service draining a backlog from the real broker: declarations and decisions (what scoring
    produces at its rate). Start-up (the process until ready, then joining the group and the first fetch) is timed
    apart from the steady state: from the first rows stored until every record is."""
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"benchh{uuid.uuid4().hex[:8]}.")
    await ensure_topics(kafka)
    month = generate_history(declarations=declarations, seed=22)
    messages = [
        Message(kafka.topic(topic), key.encode(), orjson.dumps(value))
        for topic in ("declarations", "decisions")
        for key, value, _ in month.messages[topic]
    ]
    publisher = Publisher(kafka)
    try:
        for start in range(0, len(messages), 5000):
            await publisher.publish(messages[start : start + 5000])
    finally:
        await publisher.close()
    services = ServiceSet(folder, kafka, folder / "models")
    store = folder / "history"
    started = time.perf_counter()
    service = services.start("analytics")
    ready_s = time.perf_counter() - started
    first_s, first_stored, stored, seen = None, 0, 0, dict[Path, int]()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            stored = _stored_rows(store, ("declarations", "decisions"), seen)
            if stored and first_s is None:
                first_s, first_stored = time.perf_counter() - started, stored
            if stored >= len(messages):
                break
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        service.stop()
    steady_s = seconds - (first_s or seconds)
    steady_records = stored - first_stored
    # Declarations a second: records a second times the declarations' share of them (amendments add decisions).
    share = len(month.messages["declarations"]) / len(messages)
    return {
        "records": len(messages),
        "stored": stored,
        "seconds_incl_start": seconds,
        "ready_s": ready_s,
        "first_rows_s": first_s,
        "records_per_s": stored / seconds,
        "declarations_per_s": stored * share / seconds,
        "steady_records": steady_records,
        "steady_s": steady_s,
        "steady_records_per_s": steady_records / steady_s if steady_s else None,
        "steady_declarations_per_s": steady_records * share / steady_s if steady_s else None,
    }


def _stored_rows(store: Path, datasets: tuple[str, ...], seen: dict[Path, int] | None = None) -> int:
    """Rows in the datasets' files; `seen` keeps the counts of files already read (polling reads only new ones)."""
    counts = {} if seen is None else seen
    total = 0
    for dataset in datasets:
        for path in store.glob(f"{dataset}/day=*/*.parquet"):
            if path not in counts:
                counts[path] = pq.ParquetFile(path).metadata.num_rows
            total += counts[path]
    return total


def run(bootstrap: str, folder: Path, declarations: int = 1_000_000) -> dict[str, object]:
    """Every history figure."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "reports": report_latency(declarations),
        "sink_in_process": sink_rate_in_process(),
        "sink_through_broker": asyncio.run(sink_rate_through_broker(bootstrap, folder)),
    }


def render_markdown(figures: dict[str, Any]) -> list[str]:
    """The history section of docs/benchmarks.md."""
    reports, alone, broker = figures["reports"], figures["sink_in_process"], figures["sink_through_broker"]
    timed = {key: value for key, value in reports.items() if key.startswith(("performance", "time"))}
    slowest = max(value["median_s"] for value in timed.values())
    lines = [
        "## History store and reports",
        "",
        f"A store of {reports['declarations']:,} declarations' decisions ({reports['rows']['decisions']:,} rows), "
        f"outcomes ({reports['rows']['outcomes']:,}) and clearance events ({reports['rows']['clearance_events']:,}) "
        f"in {reports['rows']['files']} Parquet files ({reports['store_mb']:.0f} MB), a month; each report with "
        "a fresh DuckDB connection (2 threads), as a request gets. CPU is the process's CPU seconds (all threads), "
        "which another load on the machine moves less than the wall time:",
        "",
        "| report | best (s) | median of 3 (s) | CPU (s) |",
        "|---|---|---|---|",
    ]
    for key, value in timed.items():
        lines.append(
            f"| {key.replace('_', ' ')} | {value['best_s']:.2f} | {value['median_s']:.2f} | {value['cpu_s']:.2f} |"
        )
    lines += [
        "",
        "The reports before the store's maintenance built the pre-aggregates (the clearance timelines built in "
        f"{reports['pre_aggregate_s']:.1f} s, the subjects' latest decisions and outcomes in "
        f"{reports['subjects_pre_aggregate_s']:.1f} s), every event pivoted and every decision and outcome read by the "
        "request, in the same run:",
        "",
        "| report | median (s) | CPU (s) | after / before (wall, CPU) |",
        "|---|---|---|---|",
    ]
    for key, value in reports["without_pre_aggregate"].items():
        after = reports[key]
        lines.append(
            f"| {key.replace('_', ' ')} | {value['median_s']:.2f} | {value['cpu_s']:.2f} | "
            f"{after['median_s'] / value['median_s']:.2f}, {after['cpu_s'] / value['cpu_s']:.2f} |"
        )
    lines += [
        "",
        f"Goal: a report over 1,000,000 stored declarations in under 2 s: {'met' if slowest < 2 else '**not met**'} "
        f"(slowest median {slowest:.2f} s).",
        "",
        f"The sink's handler alone wrote {alone['records']:,} real messages of a generated month (declarations, "
        f"decisions, outcomes, clearance events) in batches of {alone['batch']:,}: "
        f"**{alone['records_per_s']:,.0f} records/s**, {alone['declarations_per_s']:,.0f} declarations/s with "
        "everything that comes with each.",
        f"Through the broker, the analytics service drained a backlog of {broker['records']:,} declarations and "
        f"their decisions: in steady state (from the first rows stored, {broker['first_rows_s']:.1f} s after its "
        f"start, to the last) {broker['steady_records']:,} records in {broker['steady_s']:.1f} s, "
        f"**{broker['steady_records_per_s']:,.0f} records/s, {broker['steady_declarations_per_s']:,.0f} "
        "declarations/s** (goal 5,000: "
        f"{'met' if (broker['steady_declarations_per_s'] or 0) >= 5000 else '**not met**'}); counted from the "
        f"process's start (ready in {broker['ready_s']:.1f} s, then the group's join and the first fetch) "
        f"{broker['seconds_incl_start']:.1f} s, {broker['declarations_per_s']:,.0f} declarations/s.",
        "",
    ]
    return lines


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="portcullis-history-") as scratch:
        results = run("127.0.0.1:9092", Path(scratch), count)
    print(json.dumps(results, indent=2))
    print("\n".join(render_markdown(results)))
