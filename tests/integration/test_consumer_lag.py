"""The consumer-lag gauge on the real broker: it shows a backlog the handler cannot work off, and after a
rebalance it reports only the partitions this member still owns."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.metrics import CONSUMER_LAG
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def lag_by_partition(group: str) -> dict[int, float]:
    """What this process exports for a group: partition -> lag."""
    return {
        int(sample.labels["partition"]): sample.value
        for metric in CONSUMER_LAG.collect()
        for sample in metric.samples
        if sample.labels["group"] == group
    }


async def publish(kafka: KafkaSettings, count: int) -> None:
    publisher = Publisher(kafka)
    try:
        topic = kafka.topic("declarations")
        await publisher.publish([Message(topic, f"d{n}".encode(), b"{}") for n in range(count)])
    finally:
        await publisher.close()


async def test_the_lag_shows_the_backlog_while_every_batch_fails(kafka: KafkaSettings) -> None:
    # A database that is down: every batch fails and is retried, nothing is ever committed.
    async def failing(records: list[Record]) -> list[DeadLetter]:
        raise ConnectionError("database down")

    await publish(kafka, 60)
    group = f"lag-{uuid.uuid4().hex[:8]}"
    publisher = Publisher(kafka)
    consumer = BatchConsumer(
        kafka, [kafka.topic("declarations")], group, failing, publisher, retry_backoff_s=0.2, lag_refresh_s=0.2
    )
    consumer.start()
    try:

        async def whole_backlog() -> bool:
            return sum(lag_by_partition(group).values()) == 60

        await wait_for(whole_backlog, timeout_s=30)
        assert set(lag_by_partition(group)) == set(range(6))  # every partition, also those with nothing in them
        await publish(kafka, 15)  # the backlog grows while the handler still fails: so does the gauge

        async def grown() -> bool:
            return sum(lag_by_partition(group).values()) == 75

        await wait_for(grown, timeout_s=30)
    finally:
        await consumer.close()
        await publisher.close()
    assert lag_by_partition(group) == {}  # a stopped member reports nothing: it owns no partition


async def test_after_a_rebalance_only_the_partitions_still_assigned_have_a_lag(kafka: KafkaSettings) -> None:
    handled = 0

    async def counting(records: list[Record]) -> list[DeadLetter]:
        nonlocal handled
        handled += len(records)
        return []

    await publish(kafka, 120)
    group = f"lag-{uuid.uuid4().hex[:8]}"
    publisher = Publisher(kafka)
    member = BatchConsumer(kafka, [kafka.topic("declarations")], group, counting, publisher, lag_refresh_s=0.2)
    member.start()
    other = AIOKafkaConsumer(
        kafka.topic("declarations"),
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
    )
    try:

        async def all_six_caught_up() -> bool:
            return handled == 120 and lag_by_partition(group) == dict.fromkeys(range(6), 0.0)

        await wait_for(all_six_caught_up, timeout_s=30)

        # A second member joins the group and takes some partitions; it keeps polling so that it stays in.
        await other.start()
        polling = asyncio.create_task(_poll_forever(other))
        try:

            async def split() -> set[int] | None:
                mine = set(lag_by_partition(group))
                theirs = {tp.partition for tp in other.assignment()}
                return mine if theirs and mine and not mine & theirs and mine | theirs == set(range(6)) else None

            mine = await wait_for(split, timeout_s=60)
            assert 0 < len(mine) < 6
            await publish(kafka, 60)  # fresh messages on every partition: the other member's stay unreported here

            async def mine_caught_up() -> bool:
                return handled > 120 and set(lag_by_partition(group)) == mine

            await wait_for(mine_caught_up, timeout_s=30)
        finally:
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
    finally:
        await other.stop()
        await member.close()
        await publisher.close()


async def _poll_forever(consumer: AIOKafkaConsumer) -> None:
    while True:
        await consumer.getmany(timeout_ms=200)
