"""Benchmarks (a), (b), (c): the Kafka limit, batch scoring throughput, and a one-at-a-time baseline.

Each runs in this process with the very classes the services use (BatchConsumer, Publisher, the scoring
pipeline), on the real broker, over its own topics.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import orjson
from aiokafka.admin import AIOKafkaAdminClient

from portcullis.scoring.links import LinkView
from portcullis.scoring.lists import ListState
from portcullis.scoring.models import ModelHolder
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import BatchConsumer, DeadLetter, Message, Publisher, Record, ensure_topics
from portcullis.shared.memory import collect_between_batches, freeze_long_lived
from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.schemas.watchlist import (
    Action,
    EntryDocument,
    RuleDocument,
    RuleSpec,
    encode_document,
    topic_key,
)
from portcullis.shared.screening import load_ofac_sdn
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import DECLARATIONS
from portcullis.watchlist.entries.imports import to_spec

SDN = Path(__file__).resolve().parent.parent / "data" / "ofac-sdn"
#: The limit (a) drains its messages this many times over (the same messages again): it is five to ten times faster
#: than scoring, and over one pass of the version-2 declarations (0.2 s) it moved by a fifth from round to round.
LIMIT_PASSES = 3


async def topic_names(bootstrap: str) -> set[str]:
    """The broker's topics now (to delete afterwards the benchmark topics a run made)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def delete_new_bench_topics(bootstrap: str, before: set[str]) -> int:
    """Delete the benchmark topics made since `before` (each phase makes its own): left behind, a few runs fill the
    development broker. How many were deleted."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        made = [name for name in await admin.list_topics() if name.startswith("bench") and name not in before]
        if made:
            await admin.delete_topics(made)
        return len(made)
    finally:
        await admin.close()


async def _fresh_topics(bootstrap: str) -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
    await ensure_topics(settings)
    return settings


async def _load(settings: KafkaSettings, documents: list[dict[str, object]]) -> None:
    publisher = Publisher(settings, timeout_s=60)
    try:
        topic = settings.topic(DECLARATIONS.topic)
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
    cpu: dict[str, float] | None = None,
) -> float:
    """Consume `expected` records with the handler; return records a second (from first record to last).

    `cpu`, when given, receives `us_per_message`: this process's CPU time (every thread, the Kafka client's
    included, the broker's not) per record, which on a shared machine is steadier than the wall figure.
    """
    publisher = Publisher(settings, timeout_s=60)
    handled = 0
    first: float | None = None
    done = asyncio.Event()
    handler = make_handler(publisher)

    cpu_started = cpu_ended = 0.0
    last = 0.0

    async def counting(records: list[Record]) -> list[DeadLetter]:
        nonlocal handled, first, last, cpu_started, cpu_ended
        if first is None:
            first = time.perf_counter()
            cpu_started = time.process_time()
        dead = await handler(records)
        handled += len(records)
        if handled >= expected and not done.is_set():
            # The clocks stop with the last record handled (its decisions acknowledged), not after the consumer
            # has left its group and the producer closed: those take from milliseconds to a second, as the
            # broker answers, a large and varying share of a phase of a fraction of a second.
            last, cpu_ended = time.perf_counter(), time.process_time()
            done.set()
        return dead

    # As the scoring service does once its model and lists are loaded: what lives as long as the process (here
    # also the benchmark's own documents) is frozen out of the collector's generations. Without it, every
    # collection of a batch's garbage traversed the objects of the loaded data set again. And, as it does, the
    # youngest generation is collected between batches rather than while one is in flight.
    freeze_long_lived()
    collect_between_batches()
    consumer = BatchConsumer(
        settings,
        [settings.topic(DECLARATIONS.topic)],
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
    if cpu is not None:
        cpu["us_per_message"] = (cpu_ended - cpu_started) / handled * 1e6
        cpu["closing_s"] = time.perf_counter() - last
    return handled / (last - first)


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


class _Record:
    """A watchlist topic record built in memory (the shape ListState applies)."""

    def __init__(self, key: bytes, value: bytes, offset: int) -> None:
        self.key, self.value, self.offset = key, value, offset
        self.topic, self.partition, self.timestamp = "watchlist", 0, 0
        self.headers: list[tuple[str, bytes]] = []


def sanctions_and_rules(rule_count: int = 50) -> ListState:
    """Scoring's list state with the whole OFAC SDN list and `rule_count` realistic rules loaded."""
    now = datetime.now(UTC)
    documents: list[EntryDocument | RuleDocument] = [
        EntryDocument(
            id=f"sdn-{i}", version=1, changed_by="bench", changed_at=now, entry=to_spec(entry, Action(lane=Lane.RED))
        )
        for i, entry in enumerate(load_ofac_sdn(SDN))
    ]
    origins = ["IR", "KP", "SY", "CN", "VN"]
    for number in range(rule_count):
        condition = {
            "all": [
                {"field": "hs6_code", "op": "prefix", "value": f"{1 + number % 97:02d}"},
                {"field": "origin_country", "op": "in", "value": origins[: 1 + number % 5]},
            ]
        }
        spec = {"name": f"rule {number}", "reason": "benchmark rule", "action": {"score": 0.1}, "condition": condition}
        documents.append(
            RuleDocument(
                id=f"R-{number}", version=1, changed_by="bench", changed_at=now, rule=RuleSpec.model_validate(spec)
            )
        )
    lists = ListState()
    records = [_Record(topic_key(d), encode_document(d), offset) for offset, d in enumerate(documents)]
    lists.apply(records, live=False)  # type: ignore[arg-type]
    return lists


def _scoring(
    settings: KafkaSettings, registry: Path, lists: ListState, parties: PartyScreeningCache | None = None
) -> tuple[Callable[[Publisher], Callable[[list[Record]], Awaitable[list[DeadLetter]]]], Callable[[], Awaitable[None]]]:
    scoring_settings = ScoringSettings(kafka=settings, model_registry=registry)
    example = Declaration.model_validate(
        Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    )
    models = ModelHolder(registry, None, None, warm_up=example)

    # As the service runs it: with the links view (facts looked up, declarations naming containers recorded).
    links = LinkView(settings.topic("links"))

    def make(publisher: Publisher) -> Callable[[list[Record]], Awaitable[list[DeadLetter]]]:
        return DeclarationPipeline(scoring_settings, models, lists, publisher, links=links, parties=parties).handle

    return make, models.refresh  # type: ignore[return-value]


async def run_scoring(bootstrap: str, registry: Path, documents: list[dict[str, object]]) -> dict[str, float]:
    """Benchmark (b) alone: batch scoring with the real model, the rules and the whole SDN list."""
    topics = await _fresh_topics(bootstrap)
    await _load(topics, documents)
    lists = sanctions_and_rules()
    make, warm = _scoring(topics, registry, lists)
    await warm()
    cpu: dict[str, float] = {}
    per_s = await _drain(topics, len(documents), make, 1000, 300, cpu)
    return {"scoring_per_s": per_s, "scoring_cpu_us_per_message": cpu["us_per_message"], "messages": len(documents)}


async def run(
    bootstrap: str, registry: Path, documents: list[dict[str, object]], naive_count: int, rounds: int = 3
) -> dict[str, float | list[dict[str, float]]]:
    """Messages a second for (a) the Kafka limit, (b) batch scoring, (c) scoring one message at a time.

    (a) and (b) run `rounds` times in turn, each on fresh topics, and their figures are the rounds' medians; the share
    (b) / (a) is the median of each round's share, so that what the machine does between one phase and the next
    (this machine's speed moves by a quarter from run to run) weighs on both sides of a share alike.
    """
    lists = sanctions_and_rules()
    measured: list[dict[str, float]] = []
    for _ in range(rounds):
        limit_topics = await _fresh_topics(bootstrap)
        await _load(limit_topics, documents * LIMIT_PASSES)
        limit_cpu: dict[str, float] = {}
        limit = await _drain(
            limit_topics, len(documents) * LIMIT_PASSES, _passthrough(limit_topics), 1000, 300, limit_cpu
        )
        scoring_topics = await _fresh_topics(bootstrap)
        await _load(scoring_topics, documents)
        make, warm = _scoring(scoring_topics, registry, lists)
        await warm()
        scoring_cpu: dict[str, float] = {}
        scoring = await _drain(scoring_topics, len(documents), make, 1000, 300, scoring_cpu)
        measured.append(
            {
                "limit_per_s": limit,
                "limit_cpu_us_per_message": limit_cpu["us_per_message"],
                "scoring_per_s": scoring,
                "scoring_cpu_us_per_message": scoring_cpu["us_per_message"],
                "scoring_share_of_limit": scoring / limit,
                # After the clocks stopped (not in the figures): the consumer leaving its group, the producer closing.
                "limit_closing_s": limit_cpu["closing_s"],
                "scoring_closing_s": scoring_cpu["closing_s"],
            }
        )
    results: dict[str, float | list[dict[str, float]]] = {key: median(r[key] for r in measured) for key in measured[0]}
    results["rounds"] = measured
    results["watchlist_entries"] = lists.entry_count
    results["rules"] = len(lists.rules)

    naive_topics = await _fresh_topics(bootstrap)
    await _load(naive_topics, documents[:naive_count])
    make, warm = _scoring(naive_topics, registry, lists)
    await warm()
    results["naive_per_s"] = await _drain(naive_topics, naive_count, make, 1, 300)
    results["messages"] = len(documents)
    results["limit_passes"] = LIMIT_PASSES
    results["naive_messages"] = naive_count
    return results
