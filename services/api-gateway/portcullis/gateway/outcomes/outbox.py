"""The outcomes outbox: publish after the commit, mark as published once Kafka acknowledged, retry the rest."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.metrics import OUTCOMES_UNPUBLISHED
from portcullis.gateway.outbox import TopicOutbox
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.outcomes.service import event_of
from portcullis.shared.kafka import Message

#: A stored outcome with the decision it reports on (the event carries the decision's stream and lane).
Stored = tuple[OutcomeRow, DecisionRow]


class Outbox(TopicOutbox[Stored]):
    """Publishes stored outcomes to the `outcomes` topic (keyed by subject id), at least once."""

    what = "outcomes"
    unpublished_gauge = OUTCOMES_UNPUBLISHED

    def message(self, row: Stored) -> Message:
        outcome, decision = row
        return Message(
            self._topic,
            outcome.subject_id.encode(),
            event_of(outcome, decision).model_dump_json().encode(),
            [("stream", outcome.stream.encode())],
        )

    async def mark_published(self, session: AsyncSession, rows: Sequence[Stored], at: datetime) -> None:
        # Marks only the versions published: a correction recorded meanwhile (the same row) stays pending.
        by_version: dict[int, list[int]] = {}
        for outcome, _ in rows:
            by_version.setdefault(outcome.version, []).append(outcome.id)
        published = or_(*(and_(OutcomeRow.version == v, OutcomeRow.id.in_(ids)) for v, ids in by_version.items()))
        await session.execute(
            update(OutcomeRow).where(published, OutcomeRow.published_at.is_(None)).values(published_at=at)
        )

    async def pending(self, session: AsyncSession, settled_before: datetime, limit: int) -> list[Stored]:
        rows = await session.execute(
            select(OutcomeRow, DecisionRow)
            .join(DecisionRow, DecisionRow.id == OutcomeRow.decision_id)
            .where(OutcomeRow.published_at.is_(None), OutcomeRow.recorded_at < settled_before)
            .order_by(OutcomeRow.id)
            .limit(limit)
        )
        return [(outcome, decision) for outcome, decision in rows.all()]

    async def count_unpublished(self, session: AsyncSession) -> int:
        count = await session.scalar(
            select(func.count()).select_from(OutcomeRow).where(OutcomeRow.published_at.is_(None))
        )
        return count or 0
