"""A batch consumer: fetch a batch, let the handler make its effects durable, dead-letter, then commit.

Offsets are committed only for batches whose effects are durable, and at most every `commit_interval_ms`
(also when the member stops or loses partitions): a commit is a round trip and a write on the broker, and
committing after every small batch cost the broker more CPU than anything else at a thousand declarations a
second. A crash replays what was handled since the last commit; every handler's writes are idempotent.

A handler that raises is retried. An infrastructure fault (the broker or the database unreachable) is retried
without end, with capped exponential backoff and jitter: nothing is skipped while a dependency is down. Any other
error may come from one record: after a few tries the batch is split in halves, down to single records, and the
record that still makes the handler raise on its own goes to the dead-letter topic with its exception; the rest
of the batch is handled, so one record can never stall a partition.
"""

import asyncio
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError, KafkaTimeoutError

from portcullis.shared.kafka.producer import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.memory import collect_due
from portcullis.shared.metrics import (
    BATCH_FAILURES,
    BATCH_SECONDS,
    BATCH_SIZE,
    CONSUMER_LAG,
    MESSAGES_CONSUMED,
    MESSAGES_DEAD_LETTERED,
)
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import DEAD_LETTER_SUFFIX

log = get_logger(__name__)


class Record(Protocol):
    """What a handler sees of a consumed message (aiokafka's ConsumerRecord)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


@dataclass(frozen=True)
class DeadLetter:
    """A record the handler refused, with the reason an operator reads in the dead-letter topic."""

    record: Record
    reason: str
    error: str = "invalid"


#: Processes a batch and makes its effects durable; returns the records it refuses. Raising an infrastructure
#: fault (see `is_infrastructure_fault`) means "could not process now": the batch is retried, never skipped;
#: any other exception is retried a few times, then the record that causes it is dead-lettered.
BatchHandler = Callable[[list[Record]], Awaitable[list[DeadLetter]]]


class DependencyUnavailableError(Exception):
    """A handler cannot work now for a reason outside the records (no model loaded yet, a store not ready)."""


def is_infrastructure_fault(error: BaseException) -> bool:
    """Whether an error says a dependency is unavailable (retry without end) rather than that a record is bad."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, KafkaError):
            # A record too large for the broker is the record's fault; unreachable or slow brokers are not.
            return bool(cause.retriable) or isinstance(cause, KafkaTimeoutError)
        if isinstance(cause, DependencyUnavailableError | OSError):  # OSError covers connection errors, timeouts
            return True
        if _is_database_unavailable(cause):
            return True
        cause = cause.__cause__
    return isinstance(error, PublishError)


def _is_database_unavailable(error: BaseException) -> bool:
    # Looked up, not imported: a service without a database never loads SQLAlchemy.
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None:
        return False
    unavailable = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)
    return isinstance(error, unavailable) or bool(getattr(error, "connection_invalidated", False))


class BatchConsumer:
    """Runs a consumer group member: at-least-once, manual commits after durable effects."""

    def __init__(
        self,
        settings: KafkaSettings,
        topics: list[str],
        group_id: str,
        handler: BatchHandler,
        publisher: Publisher,
        max_batch: int = 1000,
        poll_timeout_ms: int = 100,
        retry_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        record_attempts: int = 3,
        lag_refresh_s: float = 5.0,
        subscribe_pattern: bool = False,
        max_poll_interval_ms: int = 300_000,
    ) -> None:
        self._settings = settings
        #: The longest a batch may take before the group takes the partitions away (aiokafka's default: 5 min). A
        #: handler with long batches (the re-screener's pass over the history) sets more, or its batch would be
        #: handled again by the next owner, again and again.
        self._max_poll_interval_ms = max_poll_interval_ms
        self._topics = topics
        #: Subscribe to those of `topics` that exist, and to the others once they are created (a consumer of a
        #: stream that a later release adds), rather than waiting for all of them.
        self._subscribe_pattern = subscribe_pattern
        self._group_id = group_id
        self._handler = handler
        self._publisher = publisher
        self._max_batch = max_batch
        self._poll_timeout_ms = poll_timeout_ms
        self._retry_backoff_s = retry_backoff_s
        self._max_backoff_s = max_backoff_s
        #: Tries of a batch that raises something other than an infrastructure fault, before it is split.
        self._record_attempts = record_attempts
        #: Consecutive failures of the batch in hand: infrastructure faults, and other errors.
        self._infrastructure_failures = 0
        self._record_failures = 0
        self._lag_refresh_s = lag_refresh_s
        #: Partitions this member exports a lag for: exactly those assigned to it, nothing stale after a rebalance.
        self._lag_partitions: set[TopicPartition] = set()
        self._commit_interval_s = settings.commit_interval_ms / 1000
        #: Next offset of each partition whose batches are handled but not committed yet.
        self._uncommitted: dict[TopicPartition, int] = {}
        self._committed_at = 0.0
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.running = False

    def start(self) -> None:
        """Run the consumer loop in a background task."""
        self._task = asyncio.create_task(self.run(), name=f"consumer-{self._group_id}")

    async def close(self, timeout_s: float = 30.0) -> None:
        """Stop fetching, finish and commit the batch in hand, leave the group (what SIGTERM leads to)."""
        self.stop()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._task, timeout_s)
        except TimeoutError:
            log.error("consumer_stop_timeout", group=self._group_id)

    async def run(self) -> None:
        """Consume until stop() is called; then finish the batch in hand, commit and leave the group."""
        while not self._stopping.is_set():
            consumer = AIOKafkaConsumer(
                **self._settings.client_options(),
                **self._settings.consumer_options(),
                group_id=self._group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_partition_fetch_bytes=4 * 1024 * 1024,
                isolation_level="read_committed",
                max_poll_interval_ms=self._max_poll_interval_ms,
            )
            if self._subscribe_pattern:
                pattern = "^(" + "|".join(re.escape(topic) for topic in self._topics) + ")$"
                consumer.subscribe(pattern=pattern, listener=_Rebalance(self, consumer))
            else:
                consumer.subscribe(self._topics, listener=_Rebalance(self, consumer))
            try:
                await consumer.start()
            except (KafkaError, OSError) as error:
                log.warning("consumer_start_failed", group=self._group_id, error=type(error).__name__)
                await _quietly_stop(consumer)
                await self._sleep(self._retry_backoff_s * random.uniform(0.5, 1.0))
                continue
            self._consumer = consumer
            self.running = True
            log.info("consumer_started", group=self._group_id, topics=self._topics)
            lag = asyncio.create_task(self._refresh_lag_periodically(consumer), name=f"lag-{self._group_id}")
            try:
                await self._loop(consumer)
                await self._commit(consumer)
            finally:
                self.running = False
                # Handled but uncommitted after a failure: replayed by whoever owns the partitions next.
                self._uncommitted.clear()
                lag.cancel()
                await asyncio.gather(lag, return_exceptions=True)
                await _quietly_stop(consumer)
                # This member owns no partition any more: another member (or none) reports their lag now.
                self._keep_lag_of(set())
                self._consumer = None
                log.info("consumer_stopped", group=self._group_id)

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand."""
        self._stopping.set()

    async def _loop(self, consumer: AIOKafkaConsumer) -> None:
        while not self._stopping.is_set():
            fetched = await consumer.getmany(timeout_ms=self._poll_timeout_ms, max_records=self._max_batch)
            if any(fetched.values()):
                await self._handle(consumer, fetched)
            elif self._uncommitted:
                await self._commit(consumer)
            del fetched
            # The batch's objects are freed now: what the collector has to traverse is only what outlived it.
            collect_due()

    async def _handle(self, consumer: AIOKafkaConsumer, fetched: dict[TopicPartition, list[Record]]) -> None:
        """Handle one fetched batch: dead letters published, offsets noted for the commit, or rewound to retry."""
        records = [record for partition_records in fetched.values() for record in partition_records]
        started = time.perf_counter()
        try:
            if self._record_failures >= self._record_attempts:
                dead = await self._isolate(records)
            else:
                dead = await self._handler(records)
            await self._dead_letter(dead)
        except Exception as error:
            await self._retry_later(consumer, fetched, error)
            return
        self._infrastructure_failures = self._record_failures = 0
        self._uncommitted.update({partition: batch[-1].offset + 1 for partition, batch in fetched.items()})
        if time.monotonic() - self._committed_at >= self._commit_interval_s:
            await self._commit(consumer)
        BATCH_SECONDS.labels(self._group_id).observe(time.perf_counter() - started)
        BATCH_SIZE.labels(self._group_id).observe(len(records))
        for topic, count in Counter(record.topic for record in records).items():
            MESSAGES_CONSUMED.labels(topic).inc(count)
        self._record_lag(consumer, fetched)

    async def _retry_later(
        self, consumer: AIOKafkaConsumer, fetched: dict[TopicPartition, list[Record]], error: Exception
    ) -> None:
        """Rewind to the batch's first offsets and wait: without end for infrastructure, a few tries otherwise."""
        infrastructure = is_infrastructure_fault(error)
        kind = "infrastructure" if infrastructure else "handler"
        BATCH_FAILURES.labels(self._group_id, kind).inc()
        if infrastructure:
            self._infrastructure_failures += 1
            failures = self._infrastructure_failures
        else:
            self._record_failures += 1
            failures = self._record_failures
        records = sum(len(batch) for batch in fetched.values())
        log.warning("batch_failed", group=self._group_id, records=records, fault=kind, error=type(error).__name__)
        for partition, partition_records in fetched.items():
            consumer.seek(partition, partition_records[0].offset)
        # Capped exponential backoff with jitter, so replicas that failed together do not retry together.
        backoff = min(self._max_backoff_s, self._retry_backoff_s * 2 ** min(failures - 1, 16))
        await self._sleep(backoff * random.uniform(0.5, 1.0))

    async def _isolate(self, records: list[Record]) -> list[DeadLetter]:
        """Handle the records in halves, down to single ones; a record that still raises alone is dead-lettered.

        An infrastructure fault propagates: the whole batch is then retried (what was handled is replayed, which
        the idempotent handlers absorb).
        """
        try:
            return await self._handler(records)
        except Exception as error:
            if is_infrastructure_fault(error):
                raise
            if len(records) == 1:
                log.warning(
                    "record_failed",
                    group=self._group_id,
                    topic=records[0].topic,
                    partition=records[0].partition,
                    offset=records[0].offset,
                    error=type(error).__name__,
                )
                reason = f"the handler raised {type(error).__name__}: {error}"
                return [DeadLetter(records[0], reason, "handler_error")]
        middle = len(records) // 2
        return [*await self._isolate(records[:middle]), *await self._isolate(records[middle:])]

    async def _dead_letter(self, dead: list[DeadLetter]) -> None:
        if not dead:
            return
        messages = [
            Message(
                topic=letter.record.topic + DEAD_LETTER_SUFFIX,
                key=letter.record.key,
                value=letter.record.value,
                headers=[
                    ("error", letter.error.encode()),
                    ("reason", letter.reason.encode()[:4096]),
                    ("source.topic", letter.record.topic.encode()),
                    ("source.partition", str(letter.record.partition).encode()),
                    ("source.offset", str(letter.record.offset).encode()),
                    ("consumer.group", self._group_id.encode()),
                ],
            )
            for letter in dead
        ]
        await self._publisher.publish(messages)
        for letter in dead:
            MESSAGES_DEAD_LETTERED.labels(letter.record.topic, letter.error).inc()
            log.warning(
                "dead_lettered",
                topic=letter.record.topic,
                partition=letter.record.partition,
                offset=letter.record.offset,
                error=letter.error,
            )

    async def _commit(self, consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit the handled offsets (of `partitions`, or all); a failed commit leaves them to be replayed."""
        chosen = list(self._uncommitted if partitions is None else partitions)
        handled = {
            partition: self._uncommitted.pop(partition) for partition in chosen if partition in self._uncommitted
        }
        # Only partitions this member still owns: those taken away are replayed by their new owner.
        assigned = consumer.assignment()
        offsets = {partition: offset for partition, offset in handled.items() if partition in assigned}
        self._committed_at = time.monotonic()
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced: the new owner re-processes these records, and every write is idempotent.
            log.warning("commit_failed_rebalance", group=self._group_id)

    def _record_lag(self, consumer: AIOKafkaConsumer, fetched: dict[TopicPartition, list[Record]]) -> None:
        assigned = consumer.assignment()
        for partition, records in fetched.items():
            highwater = consumer.highwater(partition)
            if highwater is not None and partition in assigned:
                self._set_lag(partition, highwater - records[-1].offset - 1)

    async def _refresh_lag_periodically(self, consumer: AIOKafkaConsumer) -> None:
        """Every `lag_refresh_s`, the lag of every assigned partition: also while idle or while batches fail."""
        while True:
            try:
                await self.refresh_lag(consumer)
            except (KafkaError, OSError, TimeoutError) as error:
                log.debug("lag_refresh_failed", group=self._group_id, error=type(error).__name__)
            await asyncio.sleep(self._lag_refresh_s)

    async def refresh_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Set the lag of each assigned partition (its end offset minus this member's position); drop the rest."""
        assigned = set(consumer.assignment())
        self._keep_lag_of(assigned)
        if not assigned:
            return
        async with asyncio.timeout(self._settings.request_timeout_ms / 1000):
            ends = await consumer.end_offsets(list(assigned))
            for partition, end in ends.items():
                # The position is where the next batch starts: a failing batch rewinds it, so its lag shows.
                position = await consumer.position(partition)
                if partition in consumer.assignment():
                    self._set_lag(partition, end - position)

    def _set_lag(self, partition: TopicPartition, lag: int) -> None:
        self._lag_partitions.add(partition)
        CONSUMER_LAG.labels(self._group_id, partition.topic, str(partition.partition)).set(max(0, lag))

    def _keep_lag_of(self, assigned: set[TopicPartition]) -> None:
        """Forget the lag of partitions no longer assigned to this member (after a rebalance or at stop)."""
        for partition in self._lag_partitions - assigned:
            try:
                CONSUMER_LAG.remove(self._group_id, partition.topic, str(partition.partition))
            except KeyError:
                pass
        self._lag_partitions &= assigned

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was handled of partitions before the group takes them away; drops the lag of revoked ones."""

    def __init__(self, owner: BatchConsumer, consumer: AIOKafkaConsumer) -> None:
        self._owner = owner
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        try:
            await self._owner._commit(self._consumer, revoked)
        except (KafkaError, OSError) as error:
            log.warning("commit_before_rebalance_failed", group=self._owner._group_id, error=type(error).__name__)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._owner._keep_lag_of(set(assigned))


async def _quietly_stop(consumer: AIOKafkaConsumer) -> None:
    try:
        await asyncio.wait_for(consumer.stop(), 10)
    except (KafkaError, TimeoutError, OSError):
        pass
