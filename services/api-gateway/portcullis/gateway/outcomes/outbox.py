"""The outcomes outbox: publish after the commit, mark as published once Kafka acknowledged, retry the rest."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import WriteGate
from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.metrics import OUTCOMES_UNPUBLISHED
from portcullis.gateway.outbox import drain_pending, retry_periodically
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.outcomes.service import event_of
from portcullis.shared.kafka import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger

log = get_logger(__name__)
BATCH = 500


class Outbox:
    """Publishes stored outcomes to the `outcomes` topic (keyed by subject id), at least once."""

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

    async def publish(self, stored: Sequence[tuple[OutcomeRow, DecisionRow]]) -> bool:
        """Publish stored outcomes and mark them; False (kept for the retry) when Kafka did not acknowledge."""
        if not stored:
            return True
        messages = [
            Message(
                self._topic,
                outcome.subject_id.encode(),
                event_of(outcome, decision).model_dump_json().encode(),
                [("stream", outcome.stream.encode())],
            )
            for outcome, decision in stored
        ]
        try:
            await self._publisher.publish(messages)
        except PublishError as error:
            log.warning("outcomes_not_published", outcomes=len(messages), error=str(error))
            return False
        # Marks only the versions published: a correction recorded meanwhile (the same row) stays pending.
        by_version: dict[int, list[int]] = {}
        for outcome, _ in stored:
            by_version.setdefault(outcome.version, []).append(outcome.id)
        published = or_(*(and_(OutcomeRow.version == v, OutcomeRow.id.in_(ids)) for v, ids in by_version.items()))
        async with self._writes, self._sessions.begin() as session:
            await session.execute(
                update(OutcomeRow)
                .where(published, OutcomeRow.published_at.is_(None))
                .values(published_at=datetime.now(UTC))
            )
        return True

    async def publish_pending(self) -> int:
        """Publish every stored outcome Kafka has not acknowledged yet; return how many remain unpublished."""
        remaining = await drain_pending("outcomes", self._settled_batch, self.publish, self._unpublished, BATCH)
        OUTCOMES_UNPUBLISHED.set(remaining)
        return remaining

    async def _settled_batch(self, limit: int) -> list[tuple[OutcomeRow, DecisionRow]]:
        # Outcomes younger than the grace period may still be in their request's own publish.
        settled = datetime.now(UTC) - self._grace
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutcomeRow, DecisionRow)
                .join(DecisionRow, DecisionRow.id == OutcomeRow.decision_id)
                .where(OutcomeRow.published_at.is_(None), OutcomeRow.recorded_at < settled)
                .order_by(OutcomeRow.id)
                .limit(limit)
            )
            return [(outcome, decision) for outcome, decision in rows.all()]

    async def _unpublished(self) -> int:
        async with self._sessions() as session:
            remaining = await session.scalar(
                select(func.count()).select_from(OutcomeRow).where(OutcomeRow.published_at.is_(None))
            )
        return remaining or 0

    async def run(self, stopping: asyncio.Event, interval_s: float) -> None:
        """Retry unpublished outcomes at start and then every `interval_s` until stopped."""
        await retry_periodically("outcomes", self.publish_pending, stopping, interval_s)
