"""Following a compacted topic as state: read it from the beginning to its end, then apply changes live.

Every replica holds the whole state (no consumer group, no committed offsets): a restarted replica rebuilds
it from the topic, which is what makes the services stateless. A record the state cannot take is skipped,
logged and counted (`portcullis_follower_records_rejected_total`); it never stops the following, which would
freeze the state (a revoked key would stay valid).
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from portcullis.shared.kafka.consumer import Record
from portcullis.shared.kafka.topics import TOPICS
from portcullis.shared.logging import get_logger
from portcullis.shared.metrics import FOLLOWER_RECORDS_REJECTED
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)


class CompactedTopicFollower:
    """Applies every record of a topic to a callback, in order, forever; `caught_up` once the start is read.

    `topic` is the logical name (a key of TOPICS); the settings' prefix applies. `apply(records, live)` gets the
    records in order; `live` is false until the topic has been read to the end it had at start.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        topic: str,
        apply: Callable[[list[Record], bool], Awaitable[None]],
        retry_backoff_s: float = 1.0,
    ) -> None:
        self._settings = settings
        self._topic = topic
        self._apply = apply
        self._retry_backoff_s = retry_backoff_s
        self._task: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()
        self._positions: dict[int, int] = {}

    def start(self) -> None:
        """Follow in a background task."""
        self._task = asyncio.create_task(self._run(), name=f"follow-{self._topic}")

    async def close(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                **self._settings.client_options(),
                **self._settings.consumer_options(),
                enable_auto_commit=False,
                group_id=None,
                auto_offset_reset="earliest",
            )
            try:
                await consumer.start()
                await self._follow(consumer)
            except (KafkaError, OSError) as error:
                log.warning("follow_failed", topic=self._topic, error=type(error).__name__)
                await asyncio.sleep(self._retry_backoff_s)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partitions = [
            TopicPartition(self._settings.topic(self._topic), p) for p in range(TOPICS[self._topic].partitions)
        ]
        consumer.assign(partitions)
        for partition in partitions:
            if partition.partition in self._positions:  # a reconnect resumes where it was
                consumer.seek(partition, self._positions[partition.partition])
            else:
                await consumer.seek_to_beginning(partition)
        end = await consumer.end_offsets(partitions)
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            records = [record for partition_records in batch.values() for record in partition_records]
            if records:
                # `live` is false while catching up at start, when a record's age says nothing about propagation.
                await self.apply_in_order(records, self.caught_up.is_set())
                for record in records:
                    self._positions[record.partition] = record.offset + 1
            # The consumer's position, not the last record seen: records below the end may be compacted away.
            if not self.caught_up.is_set() and all([await consumer.position(tp) >= end[tp] for tp in partitions]):
                self.caught_up.set()
                log.info("topic_caught_up", topic=self._topic, version=self.version)

    async def apply_in_order(self, records: list[Record], live: bool) -> None:
        """Apply a batch; when that raises, apply its records one at a time and skip those that raise alone.

        Applying is idempotent (the state is the latest record per key), so the records applied before the
        failure are simply applied again.
        """
        try:
            await self._apply(records, live)
            return
        except Exception as error:  # whatever a record makes the state raise: never stop following
            log.error("follower_batch_failed", topic=self._topic, records=len(records), error=type(error).__name__)
        for record in records:
            try:
                await self._apply([record], live)
            except Exception as error:
                FOLLOWER_RECORDS_REJECTED.labels(self._topic).inc()
                log.error(
                    "follower_record_rejected",
                    topic=self._topic,
                    partition=record.partition,
                    offset=record.offset,
                    error=type(error).__name__,
                )

    @property
    def version(self) -> str:
        """How far the state has got: the next offset of each partition (`0` for an empty topic)."""
        return ".".join(str(self._positions.get(p, 0)) for p in range(TOPICS[self._topic].partitions))
