"""Offset commits on the real broker: handled work is committed without waiting for the commit interval when
the topic goes quiet, the member stops or the group takes partitions away, so a restart, a successor or a
newcomer does not replay it."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


async def committed_total(kafka: KafkaSettings, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return sum(meta.offset for meta in offsets.values() if meta.offset > 0)
    finally:
        await admin.close()


def long_interval(kafka: KafkaSettings) -> KafkaSettings:
    """The same connection with a commit interval the test never reaches."""
    return kafka.model_copy(update={"commit_interval_ms": 600_000})


async def test_handled_offsets_are_committed_once_the_topic_goes_quiet(kafka: KafkaSettings) -> None:
    handled = 0

    async def counting(records: list[Record]) -> list[DeadLetter]:
        nonlocal handled
        handled += len(records)
        return []

    publisher = Publisher(kafka)
    topic = kafka.topic("declarations")
    group = f"commits-{uuid.uuid4().hex[:8]}"
    consumer = BatchConsumer(long_interval(kafka), [topic], group, counting, publisher)
    consumer.start()
    try:
        for round_ in range(3):
            await publisher.publish([Message(topic, f"d{round_}-{n}".encode(), b"{}") for n in range(40)])
            await asyncio.sleep(0.05)

        async def all_committed() -> bool:
            return handled == 120 and await committed_total(kafka, group) == 120

        await wait_for(all_committed, timeout_s=20)
    finally:
        await consumer.close()
        await publisher.close()


async def test_a_successor_replays_nothing_the_stopped_member_handled(kafka: KafkaSettings) -> None:
    handled = 0

    async def counting(records: list[Record]) -> list[DeadLetter]:
        nonlocal handled
        handled += len(records)
        return []

    publisher = Publisher(kafka)
    topic = kafka.topic("declarations")
    group = f"commits-{uuid.uuid4().hex[:8]}"
    first = BatchConsumer(long_interval(kafka), [topic], group, counting, publisher)
    first.start()

    async def steady_traffic() -> None:
        for n in range(400):
            await publisher.publish([Message(topic, f"s{n}".encode(), b"{}")])
            await asyncio.sleep(0.01)

    traffic = asyncio.create_task(steady_traffic())
    try:

        async def busy_a_while() -> bool:
            return handled >= 100

        await wait_for(busy_a_while, timeout_s=30)
        traffic.cancel()
        await asyncio.gather(traffic, return_exceptions=True)
        await first.close()
        successor = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
        )
        await successor.start()
        try:
            replayed = await successor.getmany(timeout_ms=3000)
        finally:
            await successor.stop()
        assert sum(len(records) for records in replayed.values()) == 0
        assert await committed_total(kafka, group) == handled
    finally:
        traffic.cancel()
        await first.close()
        await publisher.close()


async def test_a_member_joining_does_not_get_what_the_other_handled_since_its_last_commit(kafka: KafkaSettings) -> None:
    # Steady traffic, so the first member never goes quiet and, with this interval, commits nothing on its own:
    # what it handled of the partitions the group hands to the newcomer is committed when they are taken away.
    first_handled: set[tuple[int, int]] = set()

    async def recording(records: list[Record]) -> list[DeadLetter]:
        first_handled.update((record.partition, record.offset) for record in records)
        return []

    publisher = Publisher(kafka)
    topic = kafka.topic("declarations")
    group = f"commits-{uuid.uuid4().hex[:8]}"
    first = BatchConsumer(long_interval(kafka), [topic], group, recording, publisher)
    first.start()

    async def steady_traffic() -> None:
        for n in range(1500):
            await publisher.publish([Message(topic, f"r{n}".encode(), b"{}")])
            await asyncio.sleep(0.005)

    traffic = asyncio.create_task(steady_traffic())
    newcomer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    newcomer_got: set[tuple[int, int]] = set()
    try:

        async def first_busy() -> bool:
            return len(first_handled) >= 300

        await wait_for(first_busy, timeout_s=30)
        await newcomer.start()
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline and not traffic.done():
            batch = await newcomer.getmany(timeout_ms=200)
            newcomer_got.update((record.partition, record.offset) for records in batch.values() for record in records)
        assert newcomer_got, "the newcomer was given partitions and records"
        # At most the batch the first member had in hand while the group rebalanced, not all it handled before.
        replayed = newcomer_got & first_handled
        assert len(replayed) <= 20, f"{len(replayed)} records handled twice"
    finally:
        traffic.cancel()
        await asyncio.gather(traffic, return_exceptions=True)
        await newcomer.stop()
        await first.close()
        await publisher.close()
