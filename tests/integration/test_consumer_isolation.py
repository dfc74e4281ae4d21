"""One record that makes a handler raise cannot stall its partition: after a few tries it is found by splitting the
batch and dead-lettered with its exception, and the records behind it are handled. An unreachable dependency is
different: its batches are retried without end and nothing is dead-lettered."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from portcullis.scoring.lists import ListState
from portcullis.scoring.models import ModelHolder
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record
from portcullis.shared.schemas import Declaration
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for

pytestmark = pytest.mark.integration

Handler = Callable[[list[Record]], Awaitable[list[DeadLetter]]]


@asynccontextmanager
async def consuming(kafka: KafkaSettings, topic: str, handler: Handler) -> AsyncIterator[Publisher]:
    publisher = Publisher(kafka)
    consumer = BatchConsumer(
        kafka, [topic], f"isolation-{uuid.uuid4().hex[:8]}", handler, publisher, retry_backoff_s=0.05
    )
    consumer.start()
    try:
        yield publisher
    finally:
        await consumer.close()
        await publisher.close()


def _headers(record: Any) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


async def test_a_record_that_makes_the_handler_raise_is_dead_lettered_and_the_rest_are_handled(
    kafka: KafkaSettings,
) -> None:
    topic = kafka.topic("declarations")
    handled: set[bytes] = set()
    calls = 0

    async def handler(records: list[Record]) -> list[DeadLetter]:
        nonlocal calls
        calls += 1
        if any(record.value == b"poison" for record in records):
            raise OverflowError("date value out of range")
        handled.update(record.value or b"" for record in records)
        return []

    async with consuming(kafka, topic, handler) as publisher:
        # One key, so one partition: the poison sits in the middle, with records before and behind it.
        values = [b"poison" if n == 17 else f"{n}".encode() for n in range(40)]
        await publisher.publish([Message(topic, b"one-subject", value) for value in values])

        async def all_handled() -> bool:
            return len(handled) == 39

        await wait_for(all_handled, timeout_s=30)

    assert handled == set(values) - {b"poison"}
    dead = await read_topic(kafka, kafka.topic("declarations.dlq"))
    assert len(dead) == 1
    headers = _headers(dead[0])
    assert headers["error"] == "handler_error"
    assert "OverflowError: date value out of range" in headers["reason"]
    assert headers["source.topic"] == topic
    assert dead[0].value == b"poison"  # type: ignore[attr-defined]
    assert calls < 40  # found by splitting, not by trying each record alone


async def test_an_unreachable_dependency_is_retried_without_end_and_dead_letters_nothing(kafka: KafkaSettings) -> None:
    topic = kafka.topic("declarations")
    handled: set[bytes] = set()
    failures = 0

    async def handler(records: list[Record]) -> list[DeadLetter]:
        nonlocal failures
        if failures < 8:  # many more than the tries a record gets before it is suspected
            failures += 1
            raise ConnectionRefusedError("database unreachable")
        handled.update(record.key or b"" for record in records)
        return []

    async with consuming(kafka, topic, handler) as publisher:
        await publisher.publish([Message(topic, f"k{n}".encode(), b"{}") for n in range(20)])

        async def all_handled() -> bool:
            return len(handled) == 20

        await wait_for(all_handled, timeout_s=60)

    assert failures == 8
    assert await read_topic(kafka, kafka.topic("declarations.dlq"), timeout_s=1.0) == []


async def test_a_declaration_that_makes_scoring_raise_is_dead_lettered_and_the_ones_behind_it_are_decided(
    kafka: KafkaSettings,
    model_registry: Path,
    sample_declarations: list[dict[str, object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declarations = sample_declarations[:30]
    poison_id = str(declarations[10]["declaration_id"])
    decide = DeclarationPipeline._decide

    # The test hook: the pipeline's decide step raises for one declaration, as a value it cannot handle would.
    def failing_decide(self: DeclarationPipeline, active: Any, batch: list[Declaration], *rest: Any) -> Any:
        if any(declaration.declaration_id == poison_id for declaration in batch):
            raise OverflowError("date value out of range")
        return decide(self, active, batch, *rest)

    monkeypatch.setattr(DeclarationPipeline, "_decide", failing_decide)
    settings = ScoringSettings(kafka=kafka, model_registry=model_registry)
    models = ModelHolder(model_registry, None, None, Declaration.model_validate(declarations[0]))
    await models.refresh()
    publisher = Publisher(kafka)
    pipeline = DeclarationPipeline(settings, models, ListState(), publisher)
    topic = kafka.topic("declarations")
    async with consuming(kafka, topic, pipeline.handle) as producer:
        # One partition, so the declarations behind the poison are in its batch and after it in the partition.
        await producer.publish(
            [Message(topic, b"same-partition", orjson.dumps(declaration)) for declaration in declarations]
        )

        async def decided() -> list[Any]:
            records = await read_topic(kafka, kafka.topic("decisions"), timeout_s=1.0)
            return records if len({r.key for r in records}) == 29 else []  # type: ignore[attr-defined]

        records = await wait_for(decided, timeout_s=60, interval_s=0.5)
    await publisher.close()

    decided_ids = {orjson.loads(record.value)["subject_id"] for record in records}
    assert decided_ids == {str(d["declaration_id"]) for d in declarations} - {poison_id}
    dead = await read_topic(kafka, kafka.topic("declarations.dlq"))
    assert len(dead) == 1
    assert orjson.loads(dead[0].value)["declaration_id"] == poison_id  # type: ignore[attr-defined]
    assert "OverflowError" in _headers(dead[0])["reason"]
