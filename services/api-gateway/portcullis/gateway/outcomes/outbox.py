"""The outcomes outbox: publish after the commit, mark as published once Kafka acknowledged, retry the rest."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.metrics import OUTCOMES_UNPUBLISHED
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.outcomes.service import event_of
from portcullis.shared.kafka import Message, Publisher, PublishError
from portcullis.shared.logging import get_logger

log = get_logger(__name__)
BATCH = 500


class Outbox:
    """Publishes stored outcomes to the `outcomes` topic (keyed by subject id), at least once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], publisher: Publisher, topic: str) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._topic = topic
        self._lock = asyncio.Lock()

    async def publish(self, outcome_ids: Sequence[int]) -> bool:
        """Publish these stored outcomes and mark them; False (and kept for the retry) when Kafka did not answer."""
        if not outcome_ids:
            return True
        async with self._lock, self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(OutcomeRow, DecisionRow)
                    .join(DecisionRow, DecisionRow.id == OutcomeRow.decision_id)
                    .where(OutcomeRow.id.in_(list(outcome_ids)), OutcomeRow.published_at.is_(None))
                    .order_by(OutcomeRow.id)
                )
            ).all()
            if not rows:
                return True
            messages = [
                Message(
                    self._topic,
                    outcome.subject_id.encode(),
                    event_of(outcome, decision).model_dump_json().encode(),
                    [("stream", outcome.stream.encode())],
                )
                for outcome, decision in rows
            ]
            try:
                await self._publisher.publish(messages)
            except PublishError as error:
                log.warning("outcomes_not_published", outcomes=len(messages), error=str(error))
                return False
            await session.execute(
                update(OutcomeRow)
                .where(OutcomeRow.id.in_([outcome.id for outcome, _ in rows]))
                .values(published_at=datetime.now(UTC))
            )
        log.info("outcomes_published", outcomes=len(messages))
        return True

    async def publish_pending(self) -> int:
        """Publish every stored outcome Kafka has not acknowledged yet; return how many remain unpublished."""
        while True:
            async with self._sessions() as session:
                pending = list(
                    (
                        await session.scalars(
                            select(OutcomeRow.id)
                            .where(OutcomeRow.published_at.is_(None))
                            .order_by(OutcomeRow.id)
                            .limit(BATCH)
                        )
                    ).all()
                )
            if not pending or not await self.publish(pending) or len(pending) < BATCH:
                break
        async with self._sessions() as session:
            remaining = await session.scalar(
                select(func.count()).select_from(OutcomeRow).where(OutcomeRow.published_at.is_(None))
            )
        OUTCOMES_UNPUBLISHED.set(remaining or 0)
        return remaining or 0

    async def run(self, stopping: asyncio.Event, interval_s: float) -> None:
        """Retry unpublished outcomes at start and then every `interval_s` until stopped."""
        while not stopping.is_set():
            try:
                remaining = await self.publish_pending()
                if remaining:
                    log.warning("outcomes_pending", outcomes=remaining)
            except Exception as error:  # the database may be down for a while: keep retrying
                log.warning("outbox_retry_failed", error=type(error).__name__)
            try:
                await asyncio.wait_for(stopping.wait(), interval_s)
            except TimeoutError:
                pass
