"""Recording inspection outcomes: one per decision, idempotent for an identical report, 409 for a different one."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow, aware, utc
from portcullis.gateway.decisions.service import get_decision_row
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.outcomes.schemas import RecordedOutcome
from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome, OutcomeEvent, Severity


class DecisionNotFoundError(LookupError):
    """There is no decision about the subject (yet)."""


class OutcomeConflictError(ValueError):
    """An outcome with other content is already recorded for the subject."""


@dataclass(frozen=True)
class Recorded:
    """The stored outcome, its decision, and whether this request created it."""

    outcome: OutcomeRow
    decision: DecisionRow
    created: bool


def report_of(row: OutcomeRow) -> InspectionOutcome:
    """The report as stored (for comparing a repeated report)."""
    return InspectionOutcome.model_construct(
        inspected=row.inspected,
        irregularity_found=row.irregularity_found,
        severity=Severity(row.severity),
        revenue_recovered=Decimal(row.revenue_recovered).quantize(Decimal("0.01")),
        currency=row.currency,
        officer_id=row.officer_id,
        notes=row.notes,
        inspected_at=aware(row.inspected_at),
    )


def _same(stored: InspectionOutcome, report: InspectionOutcome) -> bool:
    normalised = report.model_copy(update={"revenue_recovered": report.revenue_recovered.quantize(Decimal("0.01"))})
    return stored.model_dump() == normalised.model_dump()


async def record_outcome(session: AsyncSession, stream: Stream, subject_id: str, report: InspectionOutcome) -> Recorded:
    """Store the outcome of a decided subject unless stored; raise when there is no decision or a different one."""
    decision = await get_decision_row(session, stream, subject_id)
    if decision is None:
        raise DecisionNotFoundError(subject_id)
    table = cast(Table, OutcomeRow.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "decision_id": decision.id,
        "stream": stream.value,
        "subject_id": subject_id,
        "inspected": report.inspected,
        "irregularity_found": report.irregularity_found,
        "severity": report.severity.value,
        "revenue_recovered": report.revenue_recovered,
        "currency": report.currency,
        "officer_id": report.officer_id,
        "notes": report.notes,
        "inspected_at": utc(report.inspected_at),
        "recorded_at": datetime.now(UTC),
    }
    statement = insert(table).values(values).on_conflict_do_nothing(index_elements=["stream", "subject_id"])
    inserted = (await session.execute(statement.returning(table.c.id))).first()
    if inserted is not None:
        return Recorded(OutcomeRow(id=inserted[0], **values, published_at=None), decision, created=True)
    # Reported before (or by a concurrent request that won the race): the same report is a harmless retry.
    outcome = await session.scalar(
        select(OutcomeRow).where(OutcomeRow.stream == stream.value, OutcomeRow.subject_id == subject_id)
    )
    assert outcome is not None
    if not _same(report_of(outcome), report):
        raise OutcomeConflictError(subject_id)
    return Recorded(outcome, decision, created=False)


async def get_outcome(session: AsyncSession, stream: Stream, subject_id: str) -> tuple[OutcomeRow, DecisionRow] | None:
    """The stored outcome of a subject with its decision, if reported."""
    row = (
        await session.execute(
            select(OutcomeRow, DecisionRow)
            .join(DecisionRow, DecisionRow.id == OutcomeRow.decision_id)
            .where(OutcomeRow.stream == stream.value, OutcomeRow.subject_id == subject_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


def recorded(outcome: OutcomeRow, decision: DecisionRow, published: bool | None = None) -> RecordedOutcome:
    """The API view of a stored outcome (stored data is not validated again)."""
    return RecordedOutcome.model_construct(
        **dict(report_of(outcome)),
        stream=Stream(outcome.stream),
        subject_id=outcome.subject_id,
        lane=Lane(decision.lane),
        recorded_at=aware(outcome.recorded_at),
        published=outcome.published_at is not None if published is None else published,
    )


def event_of(outcome: OutcomeRow, decision: DecisionRow) -> OutcomeEvent:
    """The `outcomes` topic message of a stored outcome."""
    return OutcomeEvent.model_construct(
        **dict(report_of(outcome)),
        stream=Stream(outcome.stream),
        subject_id=outcome.subject_id,
        lane=Lane(decision.lane),
        score=decision.score,
        model_version=decision.model_version,
        random_selection=decision.random_selection,
        decided_at=aware(decision.decided_at),
        recorded_at=aware(outcome.recorded_at),
    )


def result_label(report: InspectionOutcome) -> str:
    """The metric label of an outcome's result."""
    if not report.inspected:
        return "not_inspected"
    return "irregularity" if report.irregularity_found else "no_irregularity"
