"""Offset commits on the real broker: handled work is committed without waiting for the commit interval when
the topic goes quiet, the member stops or the group takes partitions away, so a restart, a successor or a
newcomer does not replay it."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


@dataclass
class Member:
    """A consumer group member that records what it handled; its commit interval is never reached."""

    kafka: KafkaSettings
    publisher: Publisher
    consumer: BatchConsumer
    topic: str
    group: str
    handled: set[tuple[int, int]] = field(default_factory=set)
    _traffic: list["asyncio.Task[None]"] = field(default_factory=list)

    def steady_traffic(self, count: int, spacing_s: float) -> "asyncio.Task[None]":
        """One message every `spacing_s`, so the member never goes quiet."""

        async def send() -> None:
            for n in range(count):
                await self.publisher.publish([Message(self.topic, f"m{n}".encode(), b"{}")])
                await asyncio.sleep(spacing_s)

        task = asyncio.create_task(send())
        self._traffic.append(task)
        return task

    async def until_handled(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.handled) >= count

        await wait_for(enough, timeout_s=30)

    def other_consumer(self) -> AIOKafkaConsumer:
        """A plain consumer in the same group, starting where a replica would: at the group's committed offsets,
        from the beginning of partitions without one."""
        return AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.kafka.bootstrap_servers,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )

    async def committed_total(self) -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka.bootstrap_servers)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self.group)
            return sum(meta.offset for meta in offsets.values() if meta.offset > 0)
        finally:
            await admin.close()


async def read_to_end(consumer: AIOKafkaConsumer, topic: str) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """What a lone group member gets from its committed offsets to the end of every partition of `topic`, and every
    record those partitions hold (partition, offset)."""

    async def assigned() -> bool:
        assignment = consumer.assignment()
        return bool(assignment) and len(assignment) == len(consumer.partitions_for_topic(topic) or ())

    got: set[tuple[int, int]] = set()
    await wait_for(assigned, timeout_s=60)
    partitions = list(consumer.assignment())
    ends = await consumer.end_offsets(partitions)

    async def at_end() -> bool:
        batch = await consumer.getmany(timeout_ms=200)
        got.update((record.partition, record.offset) for records in batch.values() for record in records)
        return all([await consumer.position(tp) >= ends[tp] for tp in partitions])

    await wait_for(at_end, timeout_s=60, interval_s=0)
    return got, {(tp.partition, offset) for tp, end in ends.items() for offset in range(end)}


@asynccontextmanager
async def member(kafka: KafkaSettings) -> AsyncIterator[Member]:
    handled: set[tuple[int, int]] = set()

    async def recording(records: list[Record]) -> list[DeadLetter]:
        handled.update((record.partition, record.offset) for record in records)
        return []

    publisher = Publisher(kafka)
    topic = kafka.topic("declarations")
    group = f"commits-{uuid.uuid4().hex[:8]}"
    never = kafka.model_copy(update={"commit_interval_ms": 600_000})
    consumer = BatchConsumer(never, [topic], group, recording, publisher)
    consumer.start()
    started = Member(kafka, publisher, consumer, topic, group, handled)
    try:
        yield started
    finally:
        for task in started._traffic:
            task.cancel()
        await asyncio.gather(*started._traffic, return_exceptions=True)
        await consumer.close()
        await publisher.close()


async def test_handled_offsets_are_committed_once_the_topic_goes_quiet(kafka: KafkaSettings) -> None:
    async with member(kafka) as first:
        for round_ in range(3):
            await first.publisher.publish([Message(first.topic, f"d{round_}-{n}".encode(), b"{}") for n in range(40)])
            await asyncio.sleep(0.05)

        async def all_committed() -> bool:
            return len(first.handled) == 120 and await first.committed_total() == 120

        await wait_for(all_committed, timeout_s=20)


async def test_a_successor_replays_nothing_the_stopped_member_handled(kafka: KafkaSettings) -> None:
    async with member(kafka) as first:
        traffic = first.steady_traffic(400, 0.01)
        await first.until_handled(100)
        traffic.cancel()
        await asyncio.gather(traffic, return_exceptions=True)
        await first.consumer.close()
        # What was published after the member's last fetch is rightly the successor's: it must get exactly that.
        # The successor reads to the topic's end once the group has given it the partitions, however long that takes.
        successor = first.other_consumer()
        await successor.start()
        try:
            got, published = await read_to_end(successor, first.topic)
        finally:
            await successor.stop()
        assert len(first.handled) >= 100
        assert not got & first.handled, f"{len(got & first.handled)} handled records replayed"
        assert got | first.handled == published
        assert await first.committed_total() == len(first.handled)


async def test_a_member_joining_does_not_get_what_the_other_handled_since_its_last_commit(kafka: KafkaSettings) -> None:
    # Steady traffic, so the first member never goes quiet and commits nothing on its own: what it handled of the
    # partitions the group hands to the newcomer is committed when they are taken away.
    async with member(kafka) as first:
        traffic = first.steady_traffic(1500, 0.005)
        await first.until_handled(300)
        newcomer = first.other_consumer()
        newcomer_got: set[tuple[int, int]] = set()
        await newcomer.start()
        try:
            deadline = asyncio.get_running_loop().time() + 20
            while asyncio.get_running_loop().time() < deadline and not traffic.done():
                batch = await newcomer.getmany(timeout_ms=200)
                newcomer_got.update((r.partition, r.offset) for records in batch.values() for r in records)
        finally:
            await newcomer.stop()
        assert newcomer_got, "the newcomer was given partitions and records"
        # At most the batch the first member had in hand while the group rebalanced, not all it handled before.
        replayed = newcomer_got & first.handled
        assert len(replayed) <= 20, f"{len(replayed)} records handled twice"
