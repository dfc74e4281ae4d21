"""Decision routes: one decision, its versions, filtered pages, and the live stream (Server-Sent Events)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator

from portcullis.gateway.decisions.cursor import CursorError
from portcullis.gateway.decisions.live import event_stream
from portcullis.gateway.decisions.schemas import (
    MAX_PAGE_SIZE,
    DecisionFilter,
    DecisionHistory,
    DecisionPage,
    DecisionSort,
)
from portcullis.gateway.decisions.service import decision_history, get_decision, list_decisions
from portcullis.gateway.deps import (
    INVALID,
    BroadcasterDep,
    SessionDep,
    SessionsDep,
    SettingsDep,
    check_decided_window,
    unprocessable,
)
from portcullis.shared.http import ErrorBody, in_utc_range
from portcullis.shared.schemas import Decision, Lane, Stream

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

SubjectId = Annotated[str, Path(min_length=1, max_length=64, examples=["97061800"])]
OptionalStream = Annotated[Stream | None, Query(description="Only this stream")]
Lanes = Annotated[list[Lane] | None, Query(alias="lane", description="Only these lanes (repeat the parameter)")]
#: The largest row id the store can hold (a 64-bit integer); a larger one could not even be compared in SQL.
MAX_ROW_ID = 2**63 - 1
#: A time bound of a filter: any ISO 8601 time with a zone that has a UTC equivalent (else 422 naming it).
TimeBound = Annotated[datetime | None, AfterValidator(in_utc_range)]


def decision_filter(
    stream: OptionalStream = None,
    lanes: Lanes = None,
    office_id: Annotated[str | None, Query(max_length=64, description="Customs office of lodgement")] = None,
    importer_id: Annotated[str | None, Query(max_length=64, description="Importer identifier")] = None,
    decided_from: Annotated[TimeBound, Query(description="Decided at or after (ISO 8601 with zone)")] = None,
    decided_to: Annotated[TimeBound, Query(description="Decided before (ISO 8601 with zone)")] = None,
    score_min: Annotated[float | None, Query(ge=0, le=1, description="Score at least")] = None,
    score_max: Annotated[float | None, Query(ge=0, le=1, description="Score at most")] = None,
    random_selection: Annotated[bool | None, Query(description="Only random selections (or only others)")] = None,
    model_version: Annotated[str | None, Query(max_length=80, description="Scored by this model")] = None,
    amended: Annotated[
        bool | None, Query(description="Only amended subjects (current version 2 or later), or only others")
    ] = None,
) -> DecisionFilter:
    """The list filter from the query string (422 names the field when it is inconsistent)."""
    check_decided_window(decided_from, decided_to)
    if score_min is not None and score_max is not None and score_max < score_min:
        raise unprocessable("score_max", "must not be below score_min")
    return DecisionFilter(
        stream=stream,
        lanes=tuple(dict.fromkeys(lanes or [])),
        office_id=office_id,
        importer_id=importer_id,
        decided_from=decided_from,
        decided_to=decided_to,
        score_min=score_min,
        score_max=score_max,
        random_selection=random_selection,
        model_version=model_version,
        amended=amended,
    )


FilterDep = Annotated[DecisionFilter, Depends(decision_filter)]


@router.get(
    "",
    response_model=DecisionPage,
    responses=INVALID,
    summary="Decisions matching filters, a page at a time (cursor pagination)",
)
async def list_decisions_route(
    session: SessionDep,
    settings: SettingsDep,
    criteria: FilterDep,
    sort: Annotated[DecisionSort, Query(description="Order; ties by id")] = DecisionSort.DECIDED_AT_DESC,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = 100,
    cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page")] = None,
) -> DecisionPage:
    """Filtered, sorted decisions; pages stay stable while new decisions arrive."""
    try:
        secret = settings.cursor_secret.get_secret_value().encode()
        return await list_decisions(session, criteria, sort, limit, cursor, secret)
    except CursorError as error:
        raise unprocessable("cursor", str(error)) from error


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {"example": 'id: 1042\nevent: decision\ndata: {"stream":"declaration"}\n\n'}
            },
            "description": "Server-Sent Events: `decision` events (id = store id), `close` with a reason (for "
            "example the key was revoked), heartbeats",
        },
        429: {"model": ErrorBody, "description": "The key already holds as many live streams as it may"},
        **INVALID,
    },
    summary="Follow new decisions live (Server-Sent Events), resumable with Last-Event-ID",
)
async def follow_decisions(
    request: Request,
    broadcaster: BroadcasterDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    stream: OptionalStream = None,
    lanes: Lanes = None,
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=0, le=MAX_ROW_ID, description="Replay every decision stored after this id"),
    ] = None,
    after_id: Annotated[
        int | None,
        Query(ge=0, le=MAX_ROW_ID, description="Same as Last-Event-ID, for clients that cannot set headers"),
    ] = None,
) -> StreamingResponse:
    """Decisions after Last-Event-ID from the store, then each new one as it is stored."""
    criteria = DecisionFilter(stream=stream, lanes=tuple(dict.fromkeys(lanes or [])))
    resume_from = last_event_id if last_event_id is not None else after_id
    key = getattr(request.state, "api_key", None)  # None only with authentication off
    key_id = key.key_id if key is not None else None
    if not broadcaster.admits(key_id):
        raise HTTPException(
            429,
            f"this API key already holds {broadcaster.streams_per_key} live streams; close one first",
            headers={"Retry-After": "5"},
        )
    events = event_stream(broadcaster, sessions, criteria, resume_from, settings.live_heartbeat_s, key_id)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/{subject_id}",
    response_model=Decision,
    responses={404: {"model": ErrorBody, "description": "No decision (yet) for this subject"}, **INVALID},
    summary="The current lane decision about one declaration (or passenger record, container event)",
)
async def read_decision(
    session: SessionDep,
    subject_id: SubjectId,
    stream: Annotated[Stream, Query(description="Which stream the id belongs to")] = Stream.DECLARATION,
) -> Decision:
    """One subject's decision."""
    decision = await get_decision(session, stream, subject_id)
    if decision is None:
        raise HTTPException(404, f"no decision for {stream.value} {subject_id}")
    return decision


@router.get(
    "/{subject_id}/history",
    response_model=DecisionHistory,
    responses={404: {"model": ErrorBody, "description": "No decision (yet) for this subject"}, **INVALID},
    summary="Every version of the decision about one subject: the first content, then each amendment",
)
async def read_decision_history(
    session: SessionDep,
    subject_id: SubjectId,
    stream: Annotated[Stream, Query(description="Which stream the id belongs to")] = Stream.DECLARATION,
) -> DecisionHistory:
    """One subject's decision versions, the first first; the last is the current one."""
    history = await decision_history(session, stream, subject_id)
    if history is None:
        raise HTTPException(404, f"no decision for {stream.value} {subject_id}")
    return history
