"""The reviews outbox: publish each verdict after the commit, mark it once Kafka acknowledged, retry the rest."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import WriteGate
from portcullis.gateway.metrics import REVIEWS_UNPUBLISHED
from portcullis.gateway.outbox import drain_pending, retry_periodically
from portcullis.gateway.reviews.models import ReviewRow
from portcullis.shared.kafka import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.review import review_key

log = get_logger(__name__)
BATCH = 500
#: A verdict given (reviewed_at set) that Kafka has not acknowledged yet.
_UNPUBLISHED = (ReviewRow.published_at.is_(None), ReviewRow.reviewed_at.is_not(None))


class ReviewOutbox:
    """Publishes verdicts to `reviews` (keyed by subject, entry and entry version: compacted), at least once."""

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

    async def publish(self, reviewed: Sequence[ReviewRow]) -> bool:
        """Publish stored verdicts and mark them; False (kept for the retry) when Kafka did not acknowledge."""
        if not reviewed:
            return True
        messages = [
            Message(
                self._topic,
                review_key(row.subject_key, row.entry_id, row.entry_version),
                orjson.dumps(row.message),
                [("stream", row.stream.encode()), ("verdict", row.status.encode())],
            )
            for row in reviewed
        ]
        try:
            await self._publisher.publish(messages)
        except PublishError as error:
            log.warning("reviews_not_published", reviews=len(messages), error=str(error))
            return False
        async with self._writes, self._sessions.begin() as session:
            await session.execute(
                update(ReviewRow)
                .where(ReviewRow.id.in_([row.id for row in reviewed]), ReviewRow.published_at.is_(None))
                .values(published_at=datetime.now(UTC))
            )
        return True

    async def publish_pending(self) -> int:
        """Publish every verdict Kafka has not acknowledged yet (in order); return how many remain."""
        remaining = await drain_pending("reviews", self._settled_batch, self.publish, self._unpublished, BATCH)
        REVIEWS_UNPUBLISHED.set(remaining)
        return remaining

    async def _settled_batch(self, limit: int) -> list[ReviewRow]:
        settled = datetime.now(UTC) - self._grace  # younger ones may still be in their request's own publish
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReviewRow)
                .where(*_UNPUBLISHED, ReviewRow.reviewed_at < settled)
                .order_by(ReviewRow.reviewed_at, ReviewRow.id)
                .limit(limit)
            )
            return list(rows.all())

    async def _unpublished(self) -> int:
        async with self._sessions() as session:
            remaining = await session.scalar(select(func.count()).select_from(ReviewRow).where(*_UNPUBLISHED))
        return remaining or 0

    async def run(self, stopping: asyncio.Event, interval_s: float) -> None:
        """Retry unpublished verdicts at start and then every `interval_s` until stopped."""
        await retry_periodically("reviews", self.publish_pending, stopping, interval_s)
