"""Scoring's consumers collect garbage between batches on the real broker: what a handled batch left in reference
cycles is collected, and never while a batch is in hand (`memory.collect_between_batches`)."""

import asyncio
import gc
import uuid
import weakref

import pytest

from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.settings import KafkaSettings
from tests.conftest import Node, garbage_cycle
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


async def test_cycles_a_batch_left_are_collected_between_batches_never_within_one(
    kafka: KafkaSettings, between_batches: int
) -> None:
    cycles: list[weakref.ref[Node]] = []
    outlived: list[list[int]] = []  # what the batches keep (as a cache does): the count that makes a collection due
    handling = False
    collected_while_handling = 0
    collections = 0

    def watch(phase: str, info: dict[str, int]) -> None:
        nonlocal collected_while_handling, collections
        if phase == "start":
            collections += 1
            collected_while_handling += handling

    async def handler(records: list[Record]) -> list[DeadLetter]:
        nonlocal handling
        handling = True
        try:
            for _ in records:
                cycles.append(garbage_cycle())
                outlived.extend([n] for n in range(100))
            await asyncio.sleep(0)  # a batch in hand across an await, as scoring's threads are
        finally:
            handling = False
        return []

    publisher = Publisher(kafka)
    topic = kafka.topic("declarations")
    consumer = BatchConsumer(kafka, [topic], f"collects-{uuid.uuid4().hex[:8]}", handler, publisher, max_batch=20)
    gc.callbacks.append(watch)
    consumer.start()
    try:
        await publisher.publish([Message(topic, f"d{n}".encode(), b"{}") for n in range(200)])

        async def all_collected() -> bool:
            return len(cycles) == 200 and all(cycle() is None for cycle in cycles)

        await wait_for(all_collected, timeout_s=30)
    finally:
        gc.callbacks.remove(watch)
        await consumer.close()
        await publisher.close()
    assert collections >= 1
    assert collected_while_handling == 0
