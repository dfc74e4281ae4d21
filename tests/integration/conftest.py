"""Integration fixtures: the real Kafka broker and PostgreSQL that `make test` starts, services as processes.

Each test gets its own topic prefix (so its own topics) and its own consumer group ids.
"""

import asyncio
import os
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from portcullis.cli.processes import ServiceSet
from portcullis.shared.kafka import TOPICS, ensure_topics
from portcullis.shared.settings import KafkaSettings

BOOTSTRAP = os.environ.get("PORTCULLIS_TEST_KAFKA", f"127.0.0.1:{os.environ.get('PORTCULLIS_BROKER_PORT', '9092')}")
POSTGRES_URL = os.environ.get(
    "PORTCULLIS_TEST_POSTGRES_URL", "postgresql+asyncpg://portcullis:portcullis@127.0.0.1:55432/portcullis"
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def kafka() -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a fresh topic prefix; every topic exists, and is deleted after the test.

    Deleting matters: each test makes some 80 partitions, and a suite's worth of them left on the development broker
    (512 MiB heap) ran it out of memory."""
    settings = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(settings)
    yield settings
    await _delete_prefixed_topics(settings)


async def _delete_prefixed_topics(settings: KafkaSettings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(settings.topic_prefix)]
        if mine:
            await admin.delete_topics(mine)
    except KafkaError as exc:  # housekeeping only: the test's result stands
        warnings.warn(f"could not delete the test's topics: {exc!r}", stacklevel=1)
    finally:
        await admin.close()


@pytest.fixture
def services(tmp_path: Path, kafka: KafkaSettings, model_registry: Path) -> Iterator[ServiceSet]:
    """Services as processes on this test's topics, with their databases in the test's folder."""
    service_set = ServiceSet(tmp_path, kafka, model_registry)
    yield service_set
    service_set.stop_all()


async def read_topic(settings: KafkaSettings, topic: str, timeout_s: float = 30.0) -> list[object]:
    """Every record currently in a topic (all partitions, from the beginning).

    It returns as soon as it has read to the end offsets it found; `timeout_s` only bounds a slow read, after which
    it returns what it has (3 s, the former default, could cut a read short on a loaded machine)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        logical = topic.removeprefix(settings.topic_prefix)
        partitions = [TopicPartition(topic, p) for p in range(TOPICS[logical].partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[object] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            positions = {tp: await consumer.position(tp) for tp in partitions}
            if all(positions[tp] >= end[tp] for tp in partitions):
                break
            batch = await consumer.getmany(timeout_ms=200)
            for partition_records in batch.values():
                records.extend(partition_records)
        return records
    finally:
        await consumer.stop()


async def wait_for(predicate, timeout_s: float, interval_s: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll an async predicate until it returns something truthy; return that, or fail."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(interval_s)


async def live_changes_applied(http: httpx.AsyncClient, scoring_url: str) -> int:
    """How many watchlist and rule changes scoring has applied live (its apply-lag histogram's count)."""
    metrics = (await http.get(f"{scoring_url}/metrics")).text
    for line in metrics.splitlines():
        if line.startswith("portcullis_watchlist_apply_lag_seconds_count"):
            return int(float(line.split()[-1]))
    return 0


async def until_scoring_applies(http: httpx.AsyncClient, scoring_url: str, applied_before: int) -> float:
    """Wait until scoring has applied one more live change; return the seconds that took.

    The API answers once the change is on the topic; scoring reads it on its own, so a declaration posted at once
    may be scored first (the product promises the change within a second, not before the next declaration).
    """
    started = time.monotonic()

    async def applied() -> bool:
        return await live_changes_applied(http, scoring_url) > applied_before

    await wait_for(applied, timeout_s=30, interval_s=0.02)
    return time.monotonic() - started


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind the product supports: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    import asyncpg

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin_dsn = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql").rsplit("/", 1)[0] + "/postgres"
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# --- api-gateway -------------------------------------------------------------------------------------------------


@pytest.fixture
def gateway_set(tmp_path: Path, kafka: KafkaSettings) -> Iterator[ServiceSet]:
    """Services on this test's topics without a model registry (enough for the gateway alone)."""
    service_set = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    yield service_set
    service_set.stop_all()


async def publish_decisions(settings: KafkaSettings, decisions: list[dict[str, object]]) -> None:
    """Put decision documents on the test's `decisions` topic as scoring would (keyed by subject id)."""
    import orjson
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        topic = settings.topic("decisions")
        futures = [
            await producer.send(topic, orjson.dumps(decision), key=str(decision["subject_id"]).encode())
            for decision in decisions
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
