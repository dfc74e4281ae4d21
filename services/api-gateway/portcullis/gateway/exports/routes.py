"""Export routes: the store's decisions with their outcomes, streamed for offline tooling."""

from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.deps import INVALID, DecidedFrom, DecidedTo, SessionsDep, check_decided_window
from portcullis.gateway.exports.schemas import MEDIA_TYPE, FeedbackRecord
from portcullis.gateway.exports.service import feedback_records
from portcullis.shared.schemas import Stream

router = APIRouter(prefix="/v1/exports", tags=["exports"])

_EXAMPLE = FeedbackRecord(
    subject_id="97061800",
    version=1,
    lane="red",
    random_selection=True,
    reasons=[{"kind": "random", "text": "selected at random for inspection", "code": None, "weight": 0.01}],
    decided_at=datetime.fromisoformat("2026-11-25T12:00:00+00:00"),
    inspected=True,
    irregularity_found=False,
).model_dump_json()


@router.get(
    "/feedback",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {MEDIA_TYPE: {"schema": FeedbackRecord.model_json_schema(), "example": _EXAMPLE + "\n"}},
            "description": "JSON Lines, one declaration decision (its current version) a line, with its outcome "
            "(`inspected` and `irregularity_found` null where none was reported)",
        },
        **INVALID,
    },
    summary="Declaration decisions with their inspection outcomes, for retraining (JSON Lines, streamed)",
)
async def export_feedback(
    sessions: SessionsDep,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
) -> StreamingResponse:
    """Every stored declaration decision in store order, read page by page while it streams."""
    check_decided_window(decided_from, decided_to)
    criteria = DecisionFilter(stream=Stream.DECLARATION, decided_from=decided_from, decided_to=decided_to)

    async def lines() -> AsyncIterator[bytes]:
        async for page in feedback_records(sessions, criteria):
            yield b"".join(record.model_dump_json().encode() + b"\n" for record in page)

    return StreamingResponse(lines(), media_type=MEDIA_TYPE)
