"""Alerts of re-screening: list and filter them, acknowledge one (analysts and inspectors), follow them live (SSE)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field

from portcullis.analytics.deps import INVALID, SettingsDep
from portcullis.analytics.rescreen.alerts import AlertBook, AlertEvent
from portcullis.shared.http import ErrorBody
from portcullis.shared.kafka import PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.alert import Acknowledgement, Alert, AlertStatus

log = get_logger(__name__)

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

MAX_PAGE_SIZE = 500


class AlertPage(BaseModel):
    """One page of alerts, newest state first."""

    alerts: list[Alert]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class AcknowledgeRequest(BaseModel):
    """Why the alert needs nothing more (or what was done about it)."""

    note: str = Field(
        min_length=1, max_length=2000, examples=["traveller questioned at arrival, not the listed person"]
    )


async def _book(request: Request) -> AlertBook:
    book: AlertBook | None = getattr(request.app.state, "alert_book", None)
    if book is None:
        raise HTTPException(503, "re-screening is switched off on this instance")
    return book


BookDep = Annotated[AlertBook, Depends(_book)]
AlertId = Annotated[str, Path(pattern=r"^[a-f0-9]{24}$", description="The alert's id")]


@router.get("", response_model=AlertPage, responses=INVALID, summary="Re-screening alerts, filtered and paged")
async def list_alerts(
    book: BookDep,
    status: Annotated[AlertStatus | None, Query(description="open or acknowledged")] = None,
    stream: Annotated[Stream | None, Query(description="Only alerts about this stream's records")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Only alerts raised at or after this moment")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,19}$", description="`next_cursor` of the last page")] = None,
) -> AlertPage:
    """Alerts matching the filters, newest state first."""
    after = int(cursor) if cursor is not None else None
    events = book.select(status, stream, since, after, limit + 1)
    more = len(events) > limit
    page = events[:limit]
    return AlertPage(alerts=[event.alert for event in page], next_cursor=str(page[-1].offset) if more else None)


@router.post(
    "/{alert_id}/acknowledge",
    response_model=Alert,
    responses={
        404: {"model": ErrorBody, "description": "No alert with this id"},
        409: {"model": ErrorBody, "description": "The alert was acknowledged already"},
        503: {"model": ErrorBody, "description": "Kafka did not acknowledge; nothing changed, try again"},
        **INVALID,
    },
    summary="Acknowledge an alert, with a note (analysts and inspectors)",
)
async def acknowledge_alert(request: Request, book: BookDep, alert_id: AlertId, body: AcknowledgeRequest) -> Alert:
    """Record who acknowledged the alert, when and why; the alert is published again with it (the audit)."""
    alert = book.get(alert_id)
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id}")
    if not book.claim_acknowledgement(alert_id):
        raise HTTPException(409, f"alert {alert_id} was acknowledged already")
    key = getattr(request.state, "api_key", None)  # None only with authentication off
    by, role = (key.key_id, key.role.value) if key is not None else ("anonymous", "anonymous")
    acknowledged = alert.model_copy(
        update={
            "status": AlertStatus.ACKNOWLEDGED,
            "acknowledgement": Acknowledgement(by=by, role=role, at=datetime.now(UTC), note=body.note),
        }
    )
    try:
        await book.publish([acknowledged])
    except BaseException as error:  # not stored (a Kafka fault, or the request cancelled): others may acknowledge
        book.release_acknowledgement(alert_id)
        if isinstance(error, PublishError):
            raise HTTPException(503, "the acknowledgement could not be stored; try again") from error
        raise
    log.info("alert_acknowledged", alert_id=alert_id, key_id=by, role=role, entry_id=alert.entry.entry_id)
    return acknowledged


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"example": 'id: 42\nevent: alert\ndata: {"alert_id":"…"}\n\n'}},
            "description": "Server-Sent Events: `alert` events (a new alert or its acknowledgement; id = event id), "
            "`close` when the client fell behind, heartbeats",
        },
        **INVALID,
    },
    summary="Follow alerts live (Server-Sent Events), resumable with Last-Event-ID",
)
async def follow_alerts(
    book: BookDep,
    settings: SettingsDep,
    last_event_id: Annotated[
        int | None, Header(alias="Last-Event-ID", ge=0, le=2**62, description="Replay every change after this id")
    ] = None,
) -> StreamingResponse:
    """Changes after Last-Event-ID, then each new alert and acknowledgement as it is stored."""
    return StreamingResponse(
        _events(book, last_event_id, settings.rescreen.heartbeat_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(book: AlertBook, last_event_id: int | None, heartbeat_s: float) -> AsyncIterator[str]:
    queue = book.subscribe()
    try:
        yield f"retry: 2000\n: following alerts, heartbeat every {heartbeat_s:g} s\n\n"
        sent = -1
        if last_event_id is not None:
            for missed in book.since_event(last_event_id):
                sent = missed.offset
                yield _event(missed)
        while True:
            try:
                async with asyncio.timeout(heartbeat_s):
                    event = await queue.get()
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if event is None:
                yield "event: close\ndata: fell behind; reconnect with Last-Event-ID\n\n"
                return
            if event.offset > sent:
                sent = event.offset
                yield _event(event)
    finally:
        book.unsubscribe(queue)


def _event(event: AlertEvent) -> str:
    return f"id: {event.offset}\nevent: alert\ndata: {event.alert.model_dump_json()}\n\n"
