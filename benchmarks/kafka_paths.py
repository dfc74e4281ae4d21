"""Benchmarks (a), (b), (c): the Kafka limit, batch scoring throughput, and a one-at-a-time baseline.

Each runs in this process with the very classes the services use (BatchConsumer, Publisher, the scoring
pipeline), on the real broker, over its own topics.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson

from portcullis.scoring.models import ModelHolder
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record, ensure_topics
from portcullis.shared.schemas import Declaration
from portcullis.shared.settings import KafkaSettings


async def _fresh_topics(bootstrap: str) -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
    await ensure_topics(settings)
    return settings


async def _load(settings: KafkaSettings, documents: list[dict[str, object]]) -> None:
    publisher = Publisher(settings, timeout_s=60)
    try:
        topic = settings.topic("declarations")
        for start in range(0, len(documents), 5000):
            chunk = documents[start : start + 5000]
            await publisher.publish([Message(topic, str(d["declaration_id"]).encode(), orjson.dumps(d)) for d in chunk])
    finally:
        await publisher.close()


async def _drain(
    settings: KafkaSettings,
    expected: int,
    make_handler: Callable[[Publisher], Callable[[list[Record]], Awaitable[list[DeadLetter]]]],
    max_batch: int,
    timeout_s: float,
) -> float:
    """Consume `expected` records with the handler; return records a second (from first record to last)."""
    publisher = Publisher(settings, timeout_s=60)
    handled = 0
    first: float | None = None
    done = asyncio.Event()
    handler = make_handler(publisher)

    async def counting(records: list[Record]) -> list[DeadLetter]:
        nonlocal handled, first
        if first is None:
            first = time.perf_counter()
        dead = await handler(records)
        handled += len(records)
        if handled >= expected:
            done.set()
        return dead

    consumer = BatchConsumer(
        settings,
        [settings.topic("declarations")],
        f"bench-{uuid.uuid4().hex[:8]}",
        counting,
        publisher,
        max_batch=max_batch,
    )
    consumer.start()
    try:
        await asyncio.wait_for(done.wait(), timeout_s)
    finally:
        await consumer.close()
        await publisher.close()
    assert first is not None
    return handled / (time.perf_counter() - first)


def _passthrough(
    settings: KafkaSettings,
) -> Callable[[Publisher], Callable[[list[Record]], Awaitable[list[DeadLetter]]]]:
    out = settings.topic("decisions")

    def make(publisher: Publisher) -> Callable[[list[Record]], Awaitable[list[DeadLetter]]]:
        async def handle(records: list[Record]) -> list[DeadLetter]:
            # Same client work as scoring, no model: decode each message, produce one message per input.
            await publisher.publish(
                [Message(out, r.key, orjson.dumps(orjson.loads(r.value or b"null"))) for r in records]
            )
            return []

        return handle

    return make


def _scoring(
    settings: KafkaSettings, registry: Path
) -> tuple[Callable[[Publisher], Callable[[list[Record]], Awaitable[list[DeadLetter]]]], Callable[[], Awaitable[None]]]:
    scoring_settings = ScoringSettings(kafka=settings, model_registry=registry)
    example = Declaration.model_validate(
        Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    )
    models = ModelHolder(registry, None, None, warm_up=example)

    def make(publisher: Publisher) -> Callable[[list[Record]], Awaitable[list[DeadLetter]]]:
        return DeclarationPipeline(scoring_settings, models, publisher).handle

    return make, models.refresh  # type: ignore[return-value]


async def run(bootstrap: str, registry: Path, documents: list[dict[str, object]], naive_count: int) -> dict[str, float]:
    """Messages a second for (a) the Kafka limit, (b) batch scoring, (c) scoring one message at a time."""
    results: dict[str, float] = {}
    limit_topics = await _fresh_topics(bootstrap)
    await _load(limit_topics, documents)
    results["limit_per_s"] = await _drain(limit_topics, len(documents), _passthrough(limit_topics), 1000, 300)

    scoring_topics = await _fresh_topics(bootstrap)
    await _load(scoring_topics, documents)
    make, warm = _scoring(scoring_topics, registry)
    await warm()
    results["scoring_per_s"] = await _drain(scoring_topics, len(documents), make, 1000, 300)

    naive_topics = await _fresh_topics(bootstrap)
    await _load(naive_topics, documents[:naive_count])
    make, warm = _scoring(naive_topics, registry)
    await warm()
    results["naive_per_s"] = await _drain(naive_topics, naive_count, make, 1, 300)
    results["messages"] = len(documents)
    results["naive_messages"] = naive_count
    return results
