"""Scoring's consumers collect garbage between batches on the real broker: what a handled batch left in reference
cycles is collected, and never while a batch is in hand (`memory.collect_between_batches`)."""

import asyncio
import gc
import uuid
import weakref
from collections.abc import Iterator

import pytest

from portcullis.shared import memory
from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

#: A young threshold small enough that a few batches reach it (scoring's is 100,000).
_YOUNG = 2_000


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def between_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process collects between batches, as scoring does once started; Python's setting back afterwards."""
    before = gc.get_threshold()
    monkeypatch.setattr(memory, "_between_batches", None)
    try:
        memory.collect_between_batches(young=_YOUNG)
        yield
    finally:
        gc.set_threshold(*before)


async def test_cycles_a_batch_left_are_collected_between_batches_never_within_one(
    kafka: KafkaSettings, between_batches: None
) -> None:
    cycles: list[weakref.ref[_Node]] = []
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
                first, second = _Node(), _Node()
                first.other, second.other = second, first
                cycles.append(weakref.ref(first))
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
