"""Recording inspection outcomes: idempotent for an identical report; a different one is a correction (a new version,
the superseded one kept) when it gives its reason, else 409."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow, aware, utc
from portcullis.gateway.decisions.service import get_decision_row
from portcullis.gateway.outcomes.models import OutcomeFields, OutcomeRow, OutcomeVersionRow
from portcullis.gateway.outcomes.schemas import OutcomeHistory, RecordedOutcome
from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome, OutcomeEvent, Seizure, Severity


class DecisionNotFoundError(LookupError):
    """There is no decision about the subject (yet)."""


class OutcomeConflictError(ValueError):
    """An outcome with other content is already recorded for the subject, and the report gives no correction reason."""


class CorrectedMeanwhileError(ValueError):
    """Another correction of the same outcome was recorded while this one was."""


class NothingToCorrectError(ValueError):
    """A correction (with a reason) of a subject that has no outcome recorded yet."""


@dataclass(frozen=True)
class Recorded:
    """The stored outcome, its decision, and whether this request created it."""

    outcome: OutcomeRow
    decision: DecisionRow
    created: bool


def report_of(row: OutcomeFields) -> InspectionOutcome:
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
        seizure=None if row.seizure is None else Seizure.model_validate(row.seizure),
        inspection_minutes=row.inspection_minutes,
        correction_reason=row.correction_reason,
    )


def _same(stored: InspectionOutcome, report: InspectionOutcome) -> bool:
    # The reason is not content: a retried correction, or one that changes nothing, is the stored report.
    normalised = report.model_copy(
        update={
            "revenue_recovered": report.revenue_recovered.quantize(Decimal("0.01")),
            "correction_reason": stored.correction_reason,
        }
    )
    return stored.model_dump() == normalised.model_dump()


def _report_values(report: InspectionOutcome) -> dict[str, object]:
    return {
        "inspected": report.inspected,
        "irregularity_found": report.irregularity_found,
        "severity": report.severity.value,
        "revenue_recovered": report.revenue_recovered,
        "currency": report.currency,
        "officer_id": report.officer_id,
        "notes": report.notes,
        "inspected_at": utc(report.inspected_at),
        "seizure": None if report.seizure is None else report.seizure.model_dump(mode="json"),
        "inspection_minutes": report.inspection_minutes,
        "correction_reason": report.correction_reason,
        "recorded_at": datetime.now(UTC),
    }


_COPIED = [column.key for column in cast(Table, OutcomeVersionRow.__table__).columns if column.key != "id"]


async def record_outcome(session: AsyncSession, stream: Stream, subject_id: str, report: InspectionOutcome) -> Recorded:
    """Store the outcome of a decided subject, or its correction (a report with a reason); raise when it cannot be.

    DecisionNotFoundError: no decision; OutcomeConflictError: a different report without a correction reason;
    NothingToCorrectError: a correction without an outcome; CorrectedMeanwhileError: a concurrent correction won.
    """
    decision = await get_decision_row(session, stream, subject_id)
    if decision is None:
        raise DecisionNotFoundError(subject_id)
    if report.correction_reason is None:
        table = cast(Table, OutcomeRow.__table__)
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        values: dict[str, object] = {"decision_id": decision.id, "stream": stream.value, "subject_id": subject_id}
        values |= {"version": 1, **_report_values(report)}
        statement = insert(table).values(values).on_conflict_do_nothing(index_elements=["stream", "subject_id"])
        inserted = (await session.execute(statement.returning(table.c.id))).first()
        if inserted is not None:
            return Recorded(OutcomeRow(id=inserted[0], **values, published_at=None), decision, created=True)
    # Reported before (or by a concurrent request that won the race): the same report is a harmless retry.
    outcome = await session.scalar(
        select(OutcomeRow).where(OutcomeRow.stream == stream.value, OutcomeRow.subject_id == subject_id)
    )
    if outcome is None:
        raise NothingToCorrectError(subject_id)
    if _same(report_of(outcome), report):
        return Recorded(outcome, decision, created=False)
    if report.correction_reason is None:
        raise OutcomeConflictError(subject_id)
    return Recorded(await _correct(session, outcome, report), decision, created=True)


async def _correct(session: AsyncSession, outcome: OutcomeRow, report: InspectionOutcome) -> OutcomeRow:
    """Keep the current version in `outcome_versions` and make the report the next one, unpublished."""
    superseded = {key: getattr(outcome, key) for key in _COPIED if key != "superseded_at"}
    values = _report_values(report) | {"version": outcome.version + 1, "published_at": None}
    # Only if the current version is still the one read: a concurrent correction makes this one fail, not vanish.
    changed = cast(
        CursorResult[object],
        await session.execute(
            update(OutcomeRow)
            .where(OutcomeRow.id == outcome.id, OutcomeRow.version == outcome.version)
            .values(values)
            .execution_options(synchronize_session=False)
        ),
    )
    if changed.rowcount != 1:
        raise CorrectedMeanwhileError(outcome.subject_id)
    session.add(OutcomeVersionRow(**superseded, superseded_at=values["recorded_at"]))
    await session.flush()
    await session.refresh(outcome)
    return outcome


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


async def outcome_history(session: AsyncSession, stream: Stream, subject_id: str) -> OutcomeHistory | None:
    """Every version of a subject's outcome, the first first (the last is the current one), if reported."""
    found = await get_outcome(session, stream, subject_id)
    if found is None:
        return None
    current, decision = found
    earlier = (
        await session.scalars(
            select(OutcomeVersionRow)
            .where(OutcomeVersionRow.stream == stream.value, OutcomeVersionRow.subject_id == subject_id)
            .order_by(OutcomeVersionRow.version)
        )
    ).all()
    versions = [recorded(row, decision) for row in earlier] + [recorded(current, decision)]
    return OutcomeHistory(stream=stream, subject_id=subject_id, current_version=current.version, versions=versions)


def recorded(
    outcome: OutcomeRow | OutcomeVersionRow, decision: DecisionRow, published: bool | None = None
) -> RecordedOutcome:
    """The API view of a stored outcome version (stored data is not validated again)."""
    return RecordedOutcome.model_construct(
        **dict(report_of(outcome)),
        version=outcome.version,
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
        version=outcome.version,
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
