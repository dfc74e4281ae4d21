"""The overrides outbox: publish after the commit, mark as published once Kafka acknowledged, retry the rest."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import WriteGate
from portcullis.gateway.metrics import OVERRIDES_UNPUBLISHED
from portcullis.gateway.outbox import drain_pending, retry_periodically
from portcullis.gateway.overrides.models import OverrideRow
from portcullis.shared.kafka import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger

log = get_logger(__name__)
BATCH = 500


class OverrideOutbox:
    """Publishes stored overrides to `overrides` (the amended decision, keyed by subject id), at least once."""

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

    async def publish(self, overrides: Sequence[OverrideRow]) -> bool:
        """Publish stored overrides and mark them; False (kept for the retry) when Kafka did not acknowledge."""
        if not overrides:
            return True
        messages = [
            Message(
                self._topic,
                row.subject_id.encode(),
                _json(row),
                [("stream", row.stream.encode()), ("version", str(row.version).encode())],
            )
            for row in overrides
        ]
        try:
            await self._publisher.publish(messages)
        except PublishError as error:
            log.warning("overrides_not_published", overrides=len(messages), error=str(error))
            return False
        async with self._writes, self._sessions.begin() as session:
            await session.execute(
                update(OverrideRow)
                .where(OverrideRow.id.in_([row.id for row in overrides]), OverrideRow.published_at.is_(None))
                .values(published_at=datetime.now(UTC))
            )
        return True

    async def publish_pending(self) -> int:
        """Publish every stored override Kafka has not acknowledged yet (in order); return how many remain."""
        remaining = await drain_pending("overrides", self._settled_batch, self.publish, self._unpublished, BATCH)
        OVERRIDES_UNPUBLISHED.set(remaining)
        return remaining

    async def _settled_batch(self, limit: int) -> list[OverrideRow]:
        settled = datetime.now(UTC) - self._grace  # younger ones may still be in their request's own publish
        async with self._sessions() as session:
            rows = await session.scalars(
                select(OverrideRow)
                .where(OverrideRow.published_at.is_(None), OverrideRow.overridden_at < settled)
                .order_by(OverrideRow.id)
                .limit(limit)
            )
            return list(rows.all())

    async def _unpublished(self) -> int:
        async with self._sessions() as session:
            remaining = await session.scalar(
                select(func.count()).select_from(OverrideRow).where(OverrideRow.published_at.is_(None))
            )
        return remaining or 0

    async def run(self, stopping: asyncio.Event, interval_s: float) -> None:
        """Retry unpublished overrides at start and then every `interval_s` until stopped."""
        await retry_periodically("overrides", self.publish_pending, stopping, interval_s)


def _json(row: OverrideRow) -> bytes:
    return orjson.dumps(row.decision)
