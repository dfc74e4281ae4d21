"""The overrides outbox: publish after the commit, mark as published once Kafka acknowledged, retry the rest."""

from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.metrics import OVERRIDES_UNPUBLISHED
from portcullis.gateway.outbox import TopicOutbox
from portcullis.gateway.overrides.models import OverrideRow
from portcullis.shared.kafka import Message


class OverrideOutbox(TopicOutbox[OverrideRow]):
    """Publishes stored overrides to `overrides` (the amended decision, keyed by subject id), at least once."""

    what = "overrides"
    unpublished_gauge = OVERRIDES_UNPUBLISHED

    def message(self, row: OverrideRow) -> Message:
        return Message(
            self._topic,
            row.subject_id.encode(),
            orjson.dumps(row.decision),
            [("stream", row.stream.encode()), ("version", str(row.version).encode())],
        )

    async def mark_published(self, session: AsyncSession, rows: Sequence[OverrideRow], at: datetime) -> None:
        await session.execute(
            update(OverrideRow)
            .where(OverrideRow.id.in_([row.id for row in rows]), OverrideRow.published_at.is_(None))
            .values(published_at=at)
        )

    async def pending(self, session: AsyncSession, settled_before: datetime, limit: int) -> list[OverrideRow]:
        rows = await session.scalars(
            select(OverrideRow)
            .where(OverrideRow.published_at.is_(None), OverrideRow.overridden_at < settled_before)
            .order_by(OverrideRow.id)
            .limit(limit)
        )
        return list(rows.all())

    async def count_unpublished(self, session: AsyncSession) -> int:
        count = await session.scalar(
            select(func.count()).select_from(OverrideRow).where(OverrideRow.published_at.is_(None))
        )
        return count or 0
