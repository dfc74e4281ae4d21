"""The reviews outbox: publish each verdict after the commit, mark it once Kafka acknowledged, retry the rest."""

from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.metrics import REVIEWS_UNPUBLISHED
from portcullis.gateway.outbox import TopicOutbox
from portcullis.gateway.reviews.models import ReviewRow
from portcullis.shared.kafka import Message
from portcullis.shared.schemas.review import review_key

#: A verdict given (reviewed_at set) that Kafka has not acknowledged yet.
_UNPUBLISHED = (ReviewRow.published_at.is_(None), ReviewRow.reviewed_at.is_not(None))


class ReviewOutbox(TopicOutbox[ReviewRow]):
    """Publishes verdicts to `reviews` (keyed by subject, entry and entry version: compacted), at least once."""

    what = "reviews"
    unpublished_gauge = REVIEWS_UNPUBLISHED

    def message(self, row: ReviewRow) -> Message:
        return Message(
            self._topic,
            review_key(row.subject_key, row.entry_id, row.entry_version),
            orjson.dumps(row.message),
            [("stream", row.stream.encode()), ("verdict", row.status.encode())],
        )

    async def mark_published(self, session: AsyncSession, rows: Sequence[ReviewRow], at: datetime) -> None:
        await session.execute(
            update(ReviewRow)
            .where(ReviewRow.id.in_([row.id for row in rows]), ReviewRow.published_at.is_(None))
            .values(published_at=at)
        )

    async def pending(self, session: AsyncSession, settled_before: datetime, limit: int) -> list[ReviewRow]:
        rows = await session.scalars(
            select(ReviewRow)
            .where(*_UNPUBLISHED, ReviewRow.reviewed_at < settled_before)
            .order_by(ReviewRow.reviewed_at, ReviewRow.id)
            .limit(limit)
        )
        return list(rows.all())

    async def count_unpublished(self, session: AsyncSession) -> int:
        count = await session.scalar(select(func.count()).select_from(ReviewRow).where(*_UNPUBLISHED))
        return count or 0
