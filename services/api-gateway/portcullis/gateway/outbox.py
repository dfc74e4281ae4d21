"""What every outbox of the gateway shares: publish rows after their commit, mark them once Kafka acknowledged, and
retry the rest in order (at start and then periodically).

An outbox names its topic, how a row becomes a message, how published rows are marked, which rows are pending and
how many remain; `TopicOutbox` does the rest (outcomes, overrides and review verdicts are its subclasses)."""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Generic, TypeVar

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import WriteGate
from portcullis.shared.kafka import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

Row = TypeVar("Row")

#: Rows read and published at a time when the backlog is drained.
BATCH = 500


class TopicOutbox(ABC, Generic[Row]):
    """Publishes stored rows to one topic at least once: right after their request's commit, and again from the
    backlog for whatever Kafka did not acknowledge."""

    #: The outbox's name in logs ("outcomes", "overrides", "reviews").
    what: ClassVar[str]
    #: The gauge of rows not yet acknowledged by Kafka.
    unpublished_gauge: ClassVar[Gauge]

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writes: WriteGate,
        publisher: Publisher,
        topic: str,
        grace_s: float,
    ) -> None:
        self._sessions = sessions
        self._writes = writes
        self._publisher = publisher
        self._topic = topic
        self._grace = timedelta(seconds=grace_s)

    @abstractmethod
    def message(self, row: Row) -> Message:
        """The Kafka message of a stored row."""

    @abstractmethod
    async def mark_published(self, session: AsyncSession, rows: Sequence[Row], at: datetime) -> None:
        """Mark the rows as published (only what was published: a change recorded meanwhile stays pending)."""

    @abstractmethod
    async def pending(self, session: AsyncSession, settled_before: datetime, limit: int) -> list[Row]:
        """The oldest unpublished rows recorded before `settled_before`, in publication order."""

    @abstractmethod
    async def count_unpublished(self, session: AsyncSession) -> int:
        """How many rows Kafka has not acknowledged yet."""

    async def publish(self, rows: Sequence[Row]) -> bool:
        """Publish stored rows and mark them; False (kept for the retry) when Kafka did not acknowledge."""
        if not rows:
            return True
        messages = [self.message(row) for row in rows]
        try:
            await self._publisher.publish(messages)
        except PublishError as error:
            log.warning("outbox_not_published", outbox=self.what, rows=len(messages), error=str(error))
            return False
        async with self._writes, self._sessions.begin() as session:
            await self.mark_published(session, rows, datetime.now(UTC))
        return True

    async def publish_pending(self) -> int:
        """Publish every stored row Kafka has not acknowledged yet, in order; return how many remain unpublished."""
        remaining = await drain_pending(self.what, self._settled_batch, self.publish, self._unpublished, BATCH)
        self.unpublished_gauge.set(remaining)
        return remaining

    async def run(self, stopping: asyncio.Event, interval_s: float) -> None:
        """Retry unpublished rows at start and then every `interval_s` until stopped."""
        await retry_periodically(self.what, self.publish_pending, stopping, interval_s)

    async def _settled_batch(self, limit: int) -> list[Row]:
        # Rows younger than the grace period may still be in their request's own publish.
        async with self._sessions() as session:
            return await self.pending(session, datetime.now(UTC) - self._grace, limit)

    async def _unpublished(self) -> int:
        async with self._sessions() as session:
            return await self.count_unpublished(session)


async def retry_periodically(
    what: str, publish_pending: Callable[[], Awaitable[int]], stopping: asyncio.Event, interval_s: float
) -> None:
    """Call `publish_pending` (it returns how many remain) at start and then every `interval_s` until stopped."""
    while not stopping.is_set():
        try:
            remaining = await publish_pending()
            if remaining:
                log.warning("outbox_pending", outbox=what, pending=remaining)
        except Exception as error:  # the database may be down for a while: keep retrying
            log.warning("outbox_retry_failed", outbox=what, error=type(error).__name__)
        try:
            await asyncio.wait_for(stopping.wait(), interval_s)
        except TimeoutError:
            pass


async def drain_pending(
    what: str,
    load_batch: Callable[[int], Awaitable[list[Row]]],
    publish: Callable[[list[Row]], Awaitable[bool]],
    count_remaining: Callable[[], Awaitable[int]],
    batch: int,
) -> int:
    """Publish stored rows Kafka has not acknowledged yet, a batch at a time in order, until none is left or a
    publish fails; return how many remain unpublished. `load_batch(limit)` reads the oldest unpublished rows old
    enough not to be in their request's own publish still."""
    while True:
        pending = await load_batch(batch)
        if not pending or not await publish(pending):
            break
        log.info("outbox_republished", outbox=what, rows=len(pending))
        if len(pending) < batch:
            break
    return await count_remaining()
