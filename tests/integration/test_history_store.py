"""The analytics service's sink on the real broker: SIGKILL mid-stream, restart, every record stored exactly once;
DuckDB reads the files the sink wrote; passengers' personal data only in its own dataset, for analysts only."""

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

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


def _messages(kafka: KafkaSettings) -> tuple[list[Message], list[Message], dict[str, int]]:
    """A generated month and some passenger records, each topic's first half apart from its second half; and how many
    messages each topic gets."""
    month = generate_history(declarations=DECLARATIONS, seed=7)
    passengers = generate_passengers(600, seed=7)
    by_topic = {
        topic: [Message(kafka.topic(topic), key.encode(), orjson.dumps(value)) for key, value, _ in entries]
        for topic, entries in month.messages.items()
    }
    by_topic["passengers"] = [
        Message(kafka.topic("passengers"), item.record_id.encode(), orjson.dumps(item.model_dump(mode="json")))
        for item in passengers.items
    ]
    first = [message for entries in by_topic.values() for message in entries[: len(entries) // 2]]
    second = [message for entries in by_topic.values() for message in entries[len(entries) // 2 :]]
    return first, second, {topic: len(entries) for topic, entries in by_topic.items()}


async def _publish(kafka: KafkaSettings, messages: list[Message]) -> None:
    publisher = Publisher(kafka)
    try:
        for start in range(0, len(messages), 2000):
            await publisher.publish(messages[start : start + 2000])
    finally:
        await publisher.close()


async def _committed(kafka: KafkaSettings, group: str) -> dict[TopicPartition, int]:
    """The group's committed offsets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {partition: meta.offset for partition, meta in committed.items() if meta.offset >= 0}


async def _partitions(kafka: KafkaSettings, topics: set[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(topics))
    finally:
        await admin.close()
    return [TopicPartition(topic["topic"], part["partition"]) for topic in described for part in topic["partitions"]]


async def _commit_as(kafka: KafkaSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit offsets for a group from outside it, once the broker has let its killed member go (session timeout)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False)
    consumer.assign(list(offsets))
    await consumer.start()
    try:
        for _ in range(120):
            try:
                await consumer.commit(offsets)
                return
            except KafkaError:  # the group still has the killed member
                await asyncio.sleep(1)
        raise AssertionError(f"could not commit for {group}: its killed member never left")
    finally:
        await consumer.stop()


async def _end_offsets(kafka: KafkaSettings, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


def _stored_from(kafka: KafkaSettings, offsets: dict[TopicPartition, int], store: Path, personal: Path) -> int:
    """Stored rows (over every dataset) at or past the given offset of their partition (from 0 where none is given)."""
    count = 0
    for name, topic in DATASET_TOPICS.items():
        folder = personal if name == "passengers_personal" else store
        if not list(folder.glob(f"{name}/day=*/*.parquet")):
            continue
        floors = {part.partition: offset for part, offset in offsets.items() if part.topic == kafka.topic(topic)}
        cases = " ".join(f"WHEN {partition} THEN {offset}" for partition, offset in floors.items())
        floor = f"CASE kafka_partition {cases} ELSE 0 END" if floors else "0"
        with duckdb.connect() as connection:
            (rows,) = connection.execute(
                f"SELECT count(*) FROM read_parquet('{folder}/{name}/day=*/*.parquet', hive_partitioning = true) "
                f"WHERE kafka_offset >= {floor}"
            ).fetchone() or (0,)
        count += int(rows)
    return count


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
    first, second, expected = _messages(kafka)
    await _publish(kafka, first)
    store, personal = tmp_path / "history", tmp_path / "history-personal"
    small = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_ANALYTICS_MAX_BATCH": "400",
        "PORTCULLIS_ANALYTICS_FETCH_MIN_BYTES": "1",
        "PORTCULLIS_ANALYTICS_FETCH_MAX_WAIT_MS": "50",
    }
    group = f"analytics-sink-{services.group_suffix}"
    try:
        sink = services.make("analytics", small).start()

        async def some_written() -> bool:
            return sum(_stored(store, name)[0] for name in ("declarations", "decisions")) > len(first) // 5

        await wait_for(some_written, 60, 0.05)
        sink.kill()
        # Whether the kill lands between a batch's files and its commit is timing; make it certain: the group goes
        # back to half its committed offsets, as if the sink had died before its last commits. The restarted sink is
        # handed those stored rows again, and must skip every one of them.
        committed = await _committed(kafka, group)
        partitions = await _partitions(kafka, {kafka.topic(topic) for topic in DATASET_TOPICS.values()})
        rewound = {partition: committed.get(partition, 0) // 2 for partition in partitions}
        await _commit_as(kafka, group, rewound)
        replay_expected = _stored_from(kafka, rewound, store, personal)
        assert replay_expected > 0
        # The rest arrives while the sink is down: the restarted one resumes and stores it after the replay.
        await _publish(kafka, second)
        sink = services.make("analytics", small).start()

        async def all_written() -> bool:
            return all(
                _stored(personal if name == "passengers_personal" else store, name)[0] >= expected[topic]
                for name, topic in DATASET_TOPICS.items()
            )

        await wait_for(all_written, 120, 0.5)
        ends = await _end_offsets(kafka, partitions)

        async def all_committed() -> bool:
            committed = await _committed(kafka, group)
            return all(committed.get(partition, 0) >= end for partition, end in ends.items())

        # The sink commits a batch after storing and counting it: with every record committed, every replay has been
        # counted and anything written twice is in the files (a fixed sleep here left that to the machine's speed).
        await wait_for(all_committed, 60, 0.2)
        async with httpx.AsyncClient(timeout=10) as client:
            metrics = (await client.get(f"{sink.url}/metrics")).text
        replayed = sum(
            float(line.split()[-1])
            for line in metrics.splitlines()
            if line.startswith("portcullis_history_rows_replayed_total{")
        )
        # Exactly the stored rows past the rewound offsets came again, and were skipped.
        assert replayed == replay_expected
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
            # The store's days are the broker's receiving days: from yesterday, in case midnight (UTC) fell since.
            received = datetime.now(UTC).date()
            today = {"from": (received - timedelta(days=1)).isoformat(), "to": received.isoformat()}
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
