"""What the console's pages read: the inspection queue, recent overrides, one subject's whole record."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.decisions.schemas import DecisionHistory
from portcullis.gateway.decisions.service import decision_history
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.outcomes.schemas import RecordedOutcome
from portcullis.gateway.outcomes.service import get_outcome, recorded
from portcullis.gateway.overrides.models import OverrideRow
from portcullis.shared.schemas import Lane, Stream

#: The lanes an inspector works: red (examination) and yellow (documentary check, questioning, scan).
QUEUE_LANES = (Lane.RED.value, Lane.YELLOW.value)


async def inspection_queue(session: AsyncSession, office_id: str | None, limit: int) -> list[DecisionRow]:
    """Red and yellow decisions without an outcome yet, of one office (or all), the oldest first."""
    statement = (
        select(DecisionRow)
        .outerjoin(OutcomeRow, OutcomeRow.decision_id == DecisionRow.id)
        .where(OutcomeRow.id.is_(None), DecisionRow.lane.in_(QUEUE_LANES))
        .order_by(DecisionRow.decided_at.asc(), DecisionRow.event_id.asc())
        .limit(limit)
    )
    if office_id is not None:
        statement = statement.where(DecisionRow.office_id == office_id)
    return list((await session.scalars(statement)).all())


async def recent_overrides(session: AsyncSession, limit: int) -> list[OverrideRow]:
    """The latest overrides, the newest first."""
    statement = select(OverrideRow).order_by(OverrideRow.id.desc()).limit(limit)
    return list((await session.scalars(statement)).all())


@dataclass(frozen=True)
class SubjectRecord:
    """Everything the console shows about one subject: its decision's versions and its outcome, if reported."""

    history: DecisionHistory
    outcome: RecordedOutcome | None


async def subject_record(session: AsyncSession, stream: Stream, subject_id: str) -> SubjectRecord | None:
    """One subject's versions and outcome (None when no decision is stored)."""
    history = await decision_history(session, stream, subject_id)
    if history is None:
        return None
    found = await get_outcome(session, stream, subject_id)
    return SubjectRecord(history, recorded(*found) if found else None)
