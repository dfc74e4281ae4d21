"""What the console's pages read: the inspection queue, recent overrides, one subject's whole record."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow, utc
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
    # The lanes as literals in the SQL, so that SQLite can use the partial index of selected decisions (0005).
    selected = DecisionRow.lane.in_([literal(lane, literal_execute=True) for lane in QUEUE_LANES])
    statement = (
        select(DecisionRow)
        .outerjoin(OutcomeRow, OutcomeRow.decision_id == DecisionRow.id)
        .where(OutcomeRow.id.is_(None), selected)
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
class LaneSummary:
    """One lane's decisions in a period, how many were inspected and how many inspections found something."""

    lane: str
    decisions: int
    share: float
    inspected: int
    irregularities: int

    @property
    def hit_rate(self) -> float | None:
        """Irregularities per inspection (None when nothing was inspected)."""
        return self.irregularities / self.inspected if self.inspected else None


async def lane_summary(session: AsyncSession, stream: Stream, since: datetime) -> list[LaneSummary]:
    """Per lane, green to red: the decisions of a stream since a moment, their inspections and hits (one query)."""
    # The stream is tested in the sums, not in WHERE: SQLite would otherwise walk the (stream, lane) index through
    # every decision ever stored instead of the period's range of the (decided_at, stream, lane) index.
    of_stream = DecisionRow.stream == stream.value
    counted = case((of_stream, 1), else_=0)
    inspected = case((and_(of_stream, OutcomeRow.inspected.is_(True)), 1), else_=0)
    hit = case((and_(of_stream, OutcomeRow.inspected.is_(True), OutcomeRow.irregularity_found.is_(True)), 1), else_=0)
    rows = await session.execute(
        select(DecisionRow.lane, func.sum(counted), func.sum(inspected), func.sum(hit))
        .outerjoin(OutcomeRow, OutcomeRow.decision_id == DecisionRow.id)
        .where(DecisionRow.decided_at >= utc(since))
        .group_by(DecisionRow.lane)
    )
    counts = {lane: (int(n or 0), int(i or 0), int(h or 0)) for lane, n, i, h in rows.all()}
    total = sum(n for n, _, _ in counts.values())
    summary = []
    for lane in Lane:
        decisions, inspections, hits = counts.get(lane.value, (0, 0, 0))
        summary.append(LaneSummary(lane.value, decisions, decisions / total if total else 0.0, inspections, hits))
    return summary


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
