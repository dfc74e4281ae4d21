"""The analytics service's sink on the real broker: SIGKILL mid-stream, restart, every record stored exactly once;
DuckDB reads the files the sink wrote; passengers' personal data only in its own dataset, for analysts only."""

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import DEAD_LETTER_SUFFIX, Message, Publisher
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import generate_passengers
from portcullis.shared.synthetic.history import generate_history
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

DECLARATIONS = 1500

DATASET_TOPICS = {
    "declarations": "declarations",
    "decisions": "decisions",
    "outcomes": "outcomes",
    "clearance_events": "clearance-events",
    "passengers": "passengers",
    "passengers_personal": "passengers",
}


async def _ensure_clearance_topic(kafka: KafkaSettings) -> None:
    # The clearance-events stream is declared by its own branch (6 partitions, as agreed); create it here until then.
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [kafka.topic("clearance-events"), kafka.topic("clearance-events" + DEAD_LETTER_SUFFIX)]
        missing = [
            NewTopic(name, 6 if index == 0 else 1, 1) for index, name in enumerate(wanted) if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


async def _produce(kafka: KafkaSettings) -> dict[str, int]:
    """Publish a generated month and some passenger records; return how many messages each topic got."""
    month = generate_history(declarations=DECLARATIONS, seed=7)
    passengers = generate_passengers(600, seed=7)
    messages = [
        Message(kafka.topic(topic), key.encode(), orjson.dumps(value))
        for topic, entries in month.messages.items()
        for key, value, _ in entries
    ]
    messages += [
        Message(kafka.topic("passengers"), item.record_id.encode(), orjson.dumps(item.model_dump(mode="json")))
        for item in passengers.items
    ]
    publisher = Publisher(kafka)
    try:
        for start in range(0, len(messages), 2000):
            await publisher.publish(messages[start : start + 2000])
    finally:
        await publisher.close()
    counts = {topic: len(entries) for topic, entries in month.messages.items()}
    counts["passengers"] = len(passengers.items)
    return counts


def _stored(folder: Path, dataset: str) -> tuple[int, int]:
    """Rows of a dataset and distinct (partition, offset) pairs among them, read with DuckDB from the files."""
    files = list(folder.glob(f"{dataset}/day=*/*.parquet"))
    if not files:
        return 0, 0
    with duckdb.connect() as connection:
        rows, distinct = connection.execute(
            f"SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset)) "
            f"FROM read_parquet('{folder}/{dataset}/day=*/*.parquet', hive_partitioning = true)"
        ).fetchone() or (0, 0)
    return int(rows), int(distinct)


@pytest.mark.timeout(600)  # three command-line runs and two service starts on a busy machine
async def test_sink_killed_mid_stream_stores_every_record_exactly_once(tmp_path: Path, kafka: KafkaSettings) -> None:
    await _ensure_clearance_topic(kafka)
    services = ServiceSet(tmp_path, kafka, tmp_path / "models")  # analytics needs no model
    keys = {}
    for role in (Role.READER, Role.ANALYST):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    expected = await _produce(kafka)
    total = sum(expected.values())
    store, personal = tmp_path / "history", tmp_path / "history-personal"
    # Small batches make many files, and rare commits (every 5 s) make the kill land after files whose offsets are
    # not committed yet: the restarted sink is handed them again.
    small = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_KAFKA_COMMIT_INTERVAL_MS": "5000",
        "PORTCULLIS_ANALYTICS_MAX_BATCH": "400",
        "PORTCULLIS_ANALYTICS_FETCH_MIN_BYTES": "1",
        "PORTCULLIS_ANALYTICS_FETCH_MAX_WAIT_MS": "50",
    }
    try:
        sink = services.make("analytics", small).start()

        async def some_written() -> bool:
            written = sum(_stored(store, name)[0] for name in ("declarations", "decisions", "clearance_events"))
            return written > total // 5

        await wait_for(some_written, 60, 0.05)
        sink.kill()
        before = sum(_stored(store, name)[0] for name in ("declarations", "decisions", "clearance_events"))
        assert before < total  # killed mid-stream, not after the end
        sink = services.make("analytics", small).start()

        async def all_written() -> bool:
            return all(
                _stored(personal if name == "passengers_personal" else store, name)[0] >= expected[topic]
                for name, topic in DATASET_TOPICS.items()
            )

        await wait_for(all_written, 120, 0.5)
        await asyncio.sleep(2)  # anything written twice would show up now
        async with httpx.AsyncClient(timeout=10) as client:
            metrics = (await client.get(f"{sink.url}/metrics")).text
        replayed = sum(
            float(line.split()[-1])
            for line in metrics.splitlines()
            if line.startswith("portcullis_history_rows_replayed_total{")
        )
        assert replayed > 0  # the replay happened, and was skipped
        for name, topic in DATASET_TOPICS.items():
            rows, distinct = _stored(personal if name == "passengers_personal" else store, name)
            assert (rows, distinct) == (expected[topic], expected[topic]), name

        # Personal data only in the personal dataset (its own folder); the other's payload has none.
        with duckdb.connect() as connection:
            payloads = connection.execute(
                f"SELECT payload FROM read_parquet('{store}/passengers/day=*/*.parquet') LIMIT 50"
            ).fetchall()
            names = connection.execute(
                f"SELECT count(*) FROM read_parquet('{personal}/passengers_personal/day=*/*.parquet') "
                "WHERE surname IS NOT NULL AND document_number IS NOT NULL AND date_of_birth IS NOT NULL"
            ).fetchone()
        assert names == (expected["passengers"],)
        for (payload,) in payloads:
            message = orjson.loads(payload)
            assert "surname" not in message
            assert "date_of_birth" not in message
            assert "number" not in message["document"]

        # Readers see reports, not the stored messages; analysts see everything.
        async with httpx.AsyncClient(base_url=sink.url, timeout=30) as client:
            reader = {"Authorization": f"Bearer {keys[Role.READER]}"}
            analyst = {"Authorization": f"Bearer {keys[Role.ANALYST]}"}
            period = {"from": "2026-10-01", "to": "2026-10-31"}

            async def reports_answer() -> bool:
                answer = await client.get("/v1/reports/performance", params=period, headers=reader)
                return answer.status_code == 200

            await wait_for(reports_answer, 20, 0.2)
            report = (await client.get("/v1/reports/performance", params=period, headers=reader)).json()
            assert report["total"]["records"] == DECLARATIONS
            csv = await client.get("/v1/reports/time-release", params={**period, "format": "csv"}, headers=reader)
            assert csv.headers["content-type"].startswith("text/csv")
            assert csv.text.splitlines()[0].startswith("from,to,group_by,group")
            chart = await client.get("/v1/reports/performance", params={**period, "format": "svg"}, headers=reader)
            assert chart.headers["content-type"] == "image/svg+xml"
            assert b"<svg" in chart.content[:500]
            received = datetime.now(UTC).date().isoformat()  # the store's days are the broker's receiving days
            today = {"from": received, "to": received}
            refused = await client.get("/v1/history/passengers_personal", params=today, headers=reader)
            assert refused.status_code == 403
            page = await client.get("/v1/history/passengers_personal", params=today, headers=analyst)
            assert page.status_code == 200
            assert page.json()["rows"][0]["message"]["surname"]
            by_office = (
                await client.get("/v1/reports/performance", params={**period, "group_by": "office"}, headers=reader)
            ).json()

        # The command line writes the same report as JSON, CSV and charts, with the reader's key.
        out = tmp_path / "reports"
        command = [str(Path(sys.executable).parent / "portcullis"), "report"]
        common = ["--from", "2026-10-01", "--to", "2026-10-31", "--out", str(out), "--url", sink.url]
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, "performance", "--group-by", "office", *common, "--api-key", keys[Role.READER]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        stem = out / "performance-office-2026-10-01-2026-10-31"
        assert orjson.loads(stem.with_suffix(".json").read_bytes()) == by_office
        assert len(stem.with_suffix(".csv").read_text().splitlines()) == 1 + len(by_office["groups"]) + 1
        assert b"<svg" in stem.with_suffix(".svg").read_bytes()[:500]
        assert stem.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, "time-release", "--group-by", "agency", *common, "--api-key", keys[Role.READER]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        release = orjson.loads((out / "time-release-agency-2026-10-01-2026-10-31.json").read_bytes())
        assert {row["group"] for row in release["groups"]} >= {"customs", "health"}
        refused = await asyncio.to_thread(
            subprocess.run,
            [*command, "performance", *common, "--api-key", "pck_0123456789ab_forged"],
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 1
        assert "performance report refused (401)" in refused.stderr
    finally:
        services.stop_all()
