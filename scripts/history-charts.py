#!/usr/bin/env python3
"""Make the charts of docs/analysis.md from a replay: a generated month published to the broker, stored by the
analytics service's sink, reported by `portcullis report` (JSON, CSV, SVG, PNG into docs/analysis/).

Run: `.venv/bin/python scripts/history-charts.py` with the broker at PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS (or
127.0.0.1:9092); it uses topics of its own prefix and stops what it started. With `--in-process` (no broker): the
month's messages go through the sink's handler as consumer records, and the reports and charts are computed with
the service's own functions.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher, ensure_topics
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import generate_history

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.unit.analytics.history_records, for --in-process
OUT = REPO / "docs" / "analysis"


async def publish(kafka: KafkaSettings, declarations: int) -> int:
    """Publish a generated month; return the number of messages."""
    await ensure_topics(kafka)
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        if kafka.topic("clearance-events") not in await admin.list_topics():
            await admin.create_topics([NewTopic(kafka.topic("clearance-events"), 6, 1)])
    finally:
        await admin.close()
    month = generate_history(declarations=declarations, seed=15)
    messages = [
        Message(kafka.topic(topic), key.encode(), orjson.dumps(value))
        for topic, entries in month.messages.items()
        for key, value, _ in sorted(entries, key=lambda entry: entry[2])
    ]
    publisher = Publisher(kafka)
    try:
        for start in range(0, len(messages), 5000):
            await publisher.publish(messages[start : start + 5000])
    finally:
        await publisher.close()
    return len(messages)


def in_process(declarations: int) -> None:
    """The month through the sink's handler, the reports and charts with the service's functions."""
    from portcullis.analytics.reports.performance import PerformanceGroup, performance_report
    from portcullis.analytics.reports.period import Period
    from portcullis.analytics.reports.render import (
        performance_chart,
        performance_csv,
        time_release_chart,
        time_release_csv,
    )
    from portcullis.analytics.reports.time_release import TimeReleaseGroup, time_release_report
    from portcullis.analytics.store.files import StoreLayout
    from portcullis.analytics.store.reader import connect
    from portcullis.analytics.store.sink import HistorySink
    from tests.unit.analytics.history_records import month_records

    period = Period(date(2026, 10, 1), date(2026, 10, 31))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portcullis-charts-") as scratch:
        layout = StoreLayout(Path(scratch) / "store", Path(scratch) / "personal")
        sink = HistorySink(layout, KafkaSettings())
        records = month_records(generate_history(declarations=declarations, seed=15))
        for start in range(0, len(records), 20_000):
            sink.write(records[start : start + 20_000])  # type: ignore[arg-type]
        stem = "-2026-10-01-2026-10-31"
        with connect(layout) as connection:
            for group_by in (PerformanceGroup.WEEK, PerformanceGroup.LANE):
                report = performance_report(connection, period, group_by)
                name = OUT / f"performance-{group_by.value}{stem}"
                name.with_suffix(".json").write_bytes(orjson.dumps(report.model_dump(mode="json", by_alias=True)))
                name.with_suffix(".csv").write_text(performance_csv(report))
                name.with_suffix(".svg").write_bytes(performance_chart(report, "svg"))
            release = time_release_report(connection, period, TimeReleaseGroup.LANE, 24.0)
            name = OUT / f"time-release-lane{stem}"
            name.with_suffix(".json").write_bytes(orjson.dumps(release.model_dump(mode="json", by_alias=True)))
            name.with_suffix(".csv").write_text(time_release_csv(release))
            name.with_suffix(".svg").write_bytes(time_release_chart(release, "svg"))


def main() -> None:
    """Replay, store, report."""
    if "--in-process" in sys.argv:
        in_process(20_000)
        return
    bootstrap = os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"charts{uuid.uuid4().hex[:8]}.")
    reader, record = new_key("history-charts", Role.READER)
    asyncio.run(publish_key(kafka, record))
    total = asyncio.run(publish(kafka, declarations=20_000))
    with tempfile.TemporaryDirectory(prefix="portcullis-charts-") as scratch:
        folder = Path(scratch)
        services = ServiceSet(folder, kafka, folder / "models")
        service = services.start("analytics", {"PORTCULLIS_AUTH_REQUIRED": "true"})
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                stored = sum(pq.ParquetFile(p).metadata.num_rows for p in (folder / "history").rglob("*.parquet"))
                if stored >= total:
                    break
                time.sleep(1)
            command = [str(Path(sys.executable).parent / "portcullis"), "report"]
            common = ["--from", "2026-10-01", "--to", "2026-10-31", "--out", str(OUT), "--url", service.url]
            for report, group_by in (("performance", "week"), ("performance", "lane"), ("time-release", "lane")):
                subprocess.run([*command, report, "--group-by", group_by, *common, "--api-key", reader], check=True)
        finally:
            services.stop_all()


if __name__ == "__main__":
    main()
