"""Outcome routes: an inspection app reports what the inspection of a decided subject found."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from fastapi.openapi.models import Example

from portcullis.gateway.db import WritesDep
from portcullis.gateway.deps import INVALID, SessionDep, unprocessable
from portcullis.gateway.metrics import OUTCOMES_RECORDED
from portcullis.gateway.outcomes.outbox import Outbox
from portcullis.gateway.outcomes.schemas import OutcomeHistory, RecordedOutcome
from portcullis.gateway.outcomes.service import (
    CorrectedMeanwhileError,
    DecisionNotFoundError,
    NothingToCorrectError,
    OutcomeConflictError,
    get_outcome,
    outcome_history,
    record_outcome,
    recorded,
    result_label,
)
from portcullis.shared.http import ErrorBody, FieldError, in_utc_range
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.outcome import InspectionOutcome

log = get_logger(__name__)
router = APIRouter(prefix="/v1/decisions", tags=["outcomes"])


def _outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox


OutboxDep = Annotated[Outbox, Depends(_outbox)]
SubjectId = Annotated[str, Path(min_length=1, max_length=64, examples=["97061800"])]
StreamQuery = Annotated[Stream, Query(description="Which stream the id belongs to")]
REPORT_EXAMPLES: dict[str, Example] = {
    "hit": Example(
        summary="A physical examination that found undervaluation",
        value={
            "inspected": True,
            "irregularity_found": True,
            "severity": "major",
            "revenue_recovered": "1250000.00",
            "currency": "KRW",
            "officer_id": "OFF-1042",
            "notes": "declared value 60% below the invoice found in the container",
            "inspected_at": "2026-11-25T14:30:00Z",
        },
    ),
    "no_hit": Example(
        summary="A documentary check that found nothing",
        value={
            "inspected": True,
            "irregularity_found": False,
            "officer_id": "OFF-2210",
            "inspected_at": "2026-11-25T10:05:00Z",
        },
    ),
    "seizure": Example(
        summary="A physical examination that found and seized undeclared cigarettes",
        value={
            "inspected": True,
            "irregularity_found": True,
            "severity": "critical",
            "revenue_recovered": "3400000.00",
            "currency": "KRW",
            "officer_id": "OFF-1042",
            "inspected_at": "2026-11-25T14:30:00Z",
            "seizure": {
                "commodity": "cigarettes",
                "quantity": "120",
                "unit": "cartons",
                "value": "5400000.00",
                "currency": "KRW",
                "concealment_method": "hidden_compartment",
            },
            "inspection_minutes": 95,
        },
    ),
    "correction": Example(
        summary="A correction of the report recorded before: the lab found no irregularity after all",
        value={
            "inspected": True,
            "irregularity_found": False,
            "officer_id": "OFF-1042",
            "inspected_at": "2026-11-25T14:30:00Z",
            "inspection_minutes": 95,
            "correction_reason": "laboratory analysis: the powder is the declared food supplement",
        },
    ),
    "not_inspected": Example(
        summary="Selected, but released without inspection (for example the goods had left)",
        value={
            "inspected": False,
            "irregularity_found": False,
            "officer_id": "OFF-2210",
            "inspected_at": "2026-11-25T10:05:00Z",
        },
    ),
}
ReportBody = Annotated[InspectionOutcome, Body(openapi_examples=REPORT_EXAMPLES)]


@router.post(
    "/{subject_id}/outcome",
    response_model=RecordedOutcome,
    status_code=201,
    responses={
        200: {"model": RecordedOutcome, "description": "The same report was recorded before (nothing changed)"},
        404: {"model": ErrorBody, "description": "No decision (yet) for this subject"},
        409: {
            "model": ErrorBody,
            "description": "A different outcome is already recorded for this subject and the report gives no "
            "`correction_reason` (or another correction was recorded at the same moment)",
        },
        **INVALID,
    },
    summary="Report what the inspection of a decided declaration (passenger, container) found, or correct it",
)
async def report_outcome(
    session: SessionDep,
    writes: WritesDep,
    outbox: OutboxDep,
    response: Response,
    subject_id: SubjectId,
    report: ReportBody,
    stream: StreamQuery = Stream.DECLARATION,
) -> RecordedOutcome:
    """Store the outcome (a correction: the next version), then publish it to `outcomes` (retried until acknowledged).

    A report that differs from the one recorded is a correction when it gives `correction_reason`: it becomes the
    current version, the earlier one is kept (`GET .../outcome/history`). Without a reason it is refused with 409.
    """
    try:
        in_utc_range(report.inspected_at)  # stored in UTC
    except ValueError as error:
        raise unprocessable("inspected_at", str(error)) from error
    async with writes:
        try:
            result = await record_outcome(session, stream, subject_id, report)
        except DecisionNotFoundError as error:
            raise HTTPException(404, f"no decision for {stream.value} {subject_id}") from error
        except OutcomeConflictError as error:
            reason = "a different outcome is already recorded for this subject: give correction_reason to correct it"
            raise HTTPException(409, [FieldError(field="correction_reason", reason=reason).model_dump()]) from error
        except CorrectedMeanwhileError as error:
            reason = "another correction was recorded at the same moment: read the outcome and correct it again"
            raise HTTPException(409, [FieldError(field="correction_reason", reason=reason).model_dump()]) from error
        except NothingToCorrectError as error:
            reason = "nothing to correct: no outcome is recorded for this subject"
            raise unprocessable("correction_reason", reason) from error
        if not result.created:
            response.status_code = 200
            return recorded(result.outcome, result.decision)
        await session.commit()
    OUTCOMES_RECORDED.labels(result.decision.lane, result_label(report)).inc()
    log.info(
        "outcome_recorded",
        stream=stream.value,
        lane=result.decision.lane,
        result=result_label(report),
        version=result.outcome.version,
    )
    published = await outbox.publish([(result.outcome, result.decision)])
    return recorded(result.outcome, result.decision, published)


@router.get(
    "/{subject_id}/outcome",
    response_model=RecordedOutcome,
    responses={404: {"model": ErrorBody, "description": "No outcome reported (yet) for this subject"}, **INVALID},
    summary="The reported inspection outcome of a decided subject",
)
async def read_outcome(
    session: SessionDep, subject_id: SubjectId, stream: StreamQuery = Stream.DECLARATION
) -> RecordedOutcome:
    """One subject's outcome, with whether Kafka acknowledged it."""
    found = await get_outcome(session, stream, subject_id)
    if found is None:
        raise HTTPException(404, f"no outcome for {stream.value} {subject_id}")
    return recorded(*found)


@router.get(
    "/{subject_id}/outcome/history",
    response_model=OutcomeHistory,
    responses={404: {"model": ErrorBody, "description": "No outcome reported (yet) for this subject"}, **INVALID},
    summary="Every version of a subject's outcome: the first report, then each correction",
)
async def read_outcome_history(
    session: SessionDep, subject_id: SubjectId, stream: StreamQuery = Stream.DECLARATION
) -> OutcomeHistory:
    """One subject's outcome versions, the first first; the last is the current one."""
    history = await outcome_history(session, stream, subject_id)
    if history is None:
        raise HTTPException(404, f"no outcome for {stream.value} {subject_id}")
    return history
