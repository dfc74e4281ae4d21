"""Override route: a supervisor sends a decided subject to another lane, with a reason."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.openapi.models import Example

from portcullis.gateway.db import WritesDep
from portcullis.gateway.deps import INVALID, SessionDep, unprocessable
from portcullis.gateway.metrics import OVERRIDES
from portcullis.gateway.overrides.outbox import OverrideOutbox
from portcullis.gateway.overrides.schemas import OverrideRequest, RecordedOverride
from portcullis.gateway.overrides.service import DecisionNotFoundError, Overridden, SameLaneError, override_lane
from portcullis.shared.auth import ApiKeyRecord
from portcullis.shared.http import ErrorBody
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.streams import CATALOGUE

log = get_logger(__name__)
router = APIRouter(prefix="/v1/decisions", tags=["overrides"])

SubjectId = Annotated[str, Path(min_length=1, max_length=64, examples=["97061800"])]
StreamQuery = Annotated[Stream, Query(description="Which stream the id belongs to")]
OVERRIDE_EXAMPLES: dict[str, Example] = {
    "release": Example(
        summary="Release a subject that scoring sent to a check",
        value={"lane": "green", "reason": "authorised economic operator; documents checked at the office window"},
    ),
    "examine": Example(
        summary="Send a subject to physical examination",
        value={"lane": "red", "reason": "the vessel called at a port under embargo (intelligence note 2026-114)"},
    ),
    "audit": Example(
        summary="Release a declaration now and audit it after clearance (blue: declarations only)",
        value={"lane": "blue", "reason": "authorised trader; the office will audit the valuation after release"},
    ),
}
OverrideBody = Annotated[OverrideRequest, Body(openapi_examples=OVERRIDE_EXAMPLES)]
#: The key id recorded when authentication is off (feature tests only).
ANONYMOUS = "anonymous"


def _override_outbox(request: Request) -> OverrideOutbox:
    outbox: OverrideOutbox = request.app.state.override_outbox
    return outbox


OverrideOutboxDep = Annotated[OverrideOutbox, Depends(_override_outbox)]


class OverrideRefusedError(Exception):
    """The override cannot be made; `status` and `detail` say why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def apply_override(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: OverrideOutbox,
    stream: Stream,
    subject_id: str,
    lane: Lane,
    reason: str,
) -> tuple[Overridden, bool]:
    """Store, count and publish an override by the request's key (the API route and the console both call it)."""
    key: ApiKeyRecord | None = getattr(request.state, "api_key", None)
    key_id = key.key_id if key is not None else ANONYMOUS
    if lane not in CATALOGUE.of(stream).lanes:
        raise OverrideRefusedError(422, f"a {stream.value} has no {lane.value} lane")
    async with writes:
        try:
            done = await override_lane(session, stream, subject_id, lane, reason, key_id)
        except DecisionNotFoundError as error:
            raise OverrideRefusedError(404, f"no decision for {stream.value} {subject_id}") from error
        except SameLaneError as error:
            raise OverrideRefusedError(409, f"the decision is in the {lane.value} lane already") from error
        await session.commit()
    OVERRIDES.labels(stream.value, done.previous_lane, lane.value).inc()
    log.info(
        "lane_overridden",
        stream=stream.value,
        key_id=key_id,
        from_lane=done.previous_lane,
        to_lane=lane.value,
        version=done.decision.version,
    )
    live = getattr(request.app.state, "live", None)
    if live is not None:
        live.wake()
    return done, await outbox.publish([done.override])


@router.post(
    "/{subject_id}/override",
    response_model=RecordedOverride,
    status_code=201,
    responses={
        404: {"model": ErrorBody, "description": "No decision (yet) for this subject"},
        409: {"model": ErrorBody, "description": "The decision is in that lane already"},
        **INVALID,  # also a lane the stream does not have (blue is for declarations only)
    },
    summary="Override the lane of a decided subject (supervisors), with a mandatory reason",
)
async def override_decision(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: OverrideOutboxDep,
    subject_id: SubjectId,
    body: OverrideBody,
    stream: StreamQuery = Stream.DECLARATION,
) -> RecordedOverride:
    """Store the override as a new version of the decision (who and why), then publish it to `overrides`."""
    try:
        done, published = await apply_override(
            request, session, writes, outbox, stream, subject_id, body.lane, body.reason
        )
    except OverrideRefusedError as error:
        if error.status == 422:
            raise unprocessable("lane", error.detail) from error
        raise HTTPException(error.status, error.detail) from error
    return RecordedOverride(decision=done.decision, published=published)
