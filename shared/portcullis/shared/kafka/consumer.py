"""A batch consumer: fetch a batch, let the handler make its effects durable, dead-letter, then commit.

Offsets are committed only for batches whose effects are durable, and at most every `commit_interval_ms`
(also when the member stops or loses partitions): a commit is a round trip and a write on the broker, and
committing after every small batch cost the broker more CPU than anything else at a thousand declarations a
second. A crash replays what was handled since the last commit; every handler's writes are idempotent.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from portcullis.shared.kafka.producer import Message, Publisher
from portcullis.shared.kafka.topics import DEAD_LETTER_SUFFIX
from portcullis.shared.logging import get_logger
from portcullis.shared.metrics import (
    BATCH_FAILURES,
    BATCH_SECONDS,
    BATCH_SIZE,
    CONSUMER_LAG,
    MESSAGES_CONSUMED,
    MESSAGES_DEAD_LETTERED,
)
from portcullis.shared.settings import KafkaSettings

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


#: Processes a batch and makes its effects durable; returns the records it refuses. Raising means
#: "could not process now" (broker or database down): the batch is retried, never skipped.
BatchHandler = Callable[[list[Record]], Awaitable[list[DeadLetter]]]


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
        lag_refresh_s: float = 5.0,
    ) -> None:
        self._settings = settings
        self._topics = topics
        self._group_id = group_id
        self._handler = handler
        self._publisher = publisher
        self._max_batch = max_batch
        self._poll_timeout_ms = poll_timeout_ms
        self._retry_backoff_s = retry_backoff_s
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
            )
            consumer.subscribe(self._topics, listener=_Rebalance(self, consumer))
            try:
                await consumer.start()
            except (KafkaError, OSError) as error:
                log.warning("consumer_start_failed", group=self._group_id, error=type(error).__name__)
                await _quietly_stop(consumer)
                await self._sleep(self._retry_backoff_s)
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
            records = [record for partition_records in fetched.values() for record in partition_records]
            if not records:
                if self._uncommitted:
                    await self._commit(consumer)
                continue
            started = time.perf_counter()
            try:
                dead = await self._handler(records)
                await self._dead_letter(dead)
            except Exception as error:
                # Infrastructure trouble: rewind to the batch's first offsets and try again; never skip.
                BATCH_FAILURES.labels(self._group_id).inc()
                log.exception("batch_failed", group=self._group_id, records=len(records), error=type(error).__name__)
                for partition, partition_records in fetched.items():
                    consumer.seek(partition, partition_records[0].offset)
                await self._sleep(self._retry_backoff_s)
                continue
            self._uncommitted.update({partition: batch[-1].offset + 1 for partition, batch in fetched.items()})
            if time.monotonic() - self._committed_at >= self._commit_interval_s:
                await self._commit(consumer)
            BATCH_SECONDS.labels(self._group_id).observe(time.perf_counter() - started)
            BATCH_SIZE.labels(self._group_id).observe(len(records))
            for topic, count in Counter(record.topic for record in records).items():
                MESSAGES_CONSUMED.labels(topic).inc(count)
            self._record_lag(consumer, fetched)

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
