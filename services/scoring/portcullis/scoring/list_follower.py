"""Following the compacted `watchlist` topic: from the beginning to the end offset at start, then live."""

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from portcullis.scoring.lists import ListState
from portcullis.shared.logging import get_logger
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)


class ListFollower:
    """Reads the one-partition watchlist topic into a ListState, without a consumer group; `ready` once caught up."""

    def __init__(
        self, settings: KafkaSettings, state: ListState, poll_timeout_ms: int = 100, retry_backoff_s: float = 1.0
    ) -> None:
        self._settings = settings
        self._state = state
        self._partition = TopicPartition(settings.topic("watchlist"), 0)
        self._poll_timeout_ms = poll_timeout_ms
        self._retry_backoff_s = retry_backoff_s
        self._next_offset: int | None = None
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Follow until cancelled; reconnect after a broker outage and resume where it stopped."""
        while True:
            consumer = AIOKafkaConsumer(
                **self._settings.client_options(),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
            )
            try:
                await consumer.start()
                await self._follow(consumer)
            except (KafkaError, OSError) as error:
                log.warning("watchlist_follow_failed", error=type(error).__name__)
                await asyncio.sleep(self._retry_backoff_s)
            finally:
                await _quietly_stop(consumer)

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partition = self._partition
        consumer.assign([partition])
        if self._next_offset is None:
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, self._next_offset)
        end = (await consumer.end_offsets([partition]))[partition]
        log.info("watchlist_follow_started", end_offset=end, resume_at=self._next_offset)
        while True:
            if not self.ready.is_set() and await consumer.position(partition) >= end:
                self.ready.set()
                log.info(
                    "watchlist_caught_up",
                    entries=self._state.entry_count,
                    rules=len(self._state.rules),
                    watchlist_version=self._state.watchlist_version,
                    rules_version=self._state.rules_version,
                )
            fetched = await consumer.getmany(partition, timeout_ms=self._poll_timeout_ms, max_records=5000)
            records = fetched.get(partition)
            if not records:
                continue
            async with self._state.lock:
                await asyncio.to_thread(self._state.apply, records, self.ready.is_set())
            self._next_offset = records[-1].offset + 1


async def _quietly_stop(consumer: AIOKafkaConsumer) -> None:
    try:
        await asyncio.wait_for(consumer.stop(), 10)
    except (KafkaError, TimeoutError, OSError):
        pass
