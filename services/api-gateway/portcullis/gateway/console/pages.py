"""The console's pages and form posts, each guarded by role on the server (security.py)."""

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from portcullis.gateway.console.queries import inspection_queue, recent_overrides, subject_record
from portcullis.gateway.console.security import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    ForbiddenError,
    checked_form,
    form_of,
    harden,
    require,
    secure_cookies,
    sessions_of,
    signed_in,
)
from portcullis.gateway.console.sessions import HOME, ConsoleSession, same_token
from portcullis.gateway.db import SessionDep, WritesDep
from portcullis.gateway.decisions.cursor import CursorError
from portcullis.gateway.decisions.live import event_stream
from portcullis.gateway.decisions.schemas import DecisionFilter, DecisionSort
from portcullis.gateway.decisions.service import get_decision, last_decision_id, list_decisions
from portcullis.gateway.deps import BroadcasterDep, SessionsDep, SettingsDep
from portcullis.gateway.metrics import OUTCOMES_RECORDED
from portcullis.gateway.outcomes.outbox import Outbox
from portcullis.gateway.outcomes.service import OutcomeConflictError, record_outcome, result_label
from portcullis.gateway.overrides.routes import OverrideRefusedError, apply_override
from portcullis.gateway.overrides.schemas import OverrideRequest
from portcullis.shared.auth import Role
from portcullis.shared.http import field_errors
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome, Severity
from portcullis.shared.streams import CATALOGUE

log = get_logger(__name__)
router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

CONSOLE_ROLES = frozenset(HOME)
QUEUE_ROLES = (Role.INSPECTOR, Role.SUPERVISOR)
SEARCH_ROLES = (Role.ANALYST, Role.SUPERVISOR)
QUEUE_SIZE = 50
PAGE_SIZE = 50
#: The navigation: (path, label, roles that see it).
NAVIGATION = (
    ("/console/queue", "Inspection queue", QUEUE_ROLES),
    ("/console/overrides", "Overrides", (Role.SUPERVISOR,)),
    ("/console/search", "Decisions", SEARCH_ROLES),
    ("/console/reviews", "Review queue", (Role.ANALYST,)),
    ("/console/alerts", "Alerts", (Role.ANALYST,)),
    ("/console/watchlist", "Rules and watchlist", (Role.ANALYST,)),
    ("/console/performance", "Performance", (Role.READER,)),
)


def page(
    request: Request, template: str, session: ConsoleSession | None, status: int = 200, **context: Any
) -> HTMLResponse:
    navigation = [(path, label) for path, label, roles in NAVIGATION if session and session.role in roles]
    response = templates.TemplateResponse(
        request,
        template,
        {"session": session, "navigation": navigation, "path": request.url.path, **context},
        status_code=status,
    )
    return harden(response)


def redirect(path: str) -> RedirectResponse:
    response = RedirectResponse(path, status_code=303)
    harden(response)
    return response


def _stream_of(value: str) -> Stream:
    try:
        return Stream(value)
    except ValueError as error:
        raise HTTPException(404, "no such stream") from error


def _decision_path(stream: str, subject_id: str) -> str:
    return f"/console/decisions/{stream}/{subject_id}"


@router.get("/")
async def home(request: Request) -> Response:
    """The signed-in role's first page, or the sign-in page."""
    session = signed_in(request)
    return redirect(HOME[session.role] if session else "/console/sign-in")


@router.get("/sign-in")
async def sign_inpage(request: Request) -> Response:
    """The sign-in form (its token is bound to a short-lived cookie: no sign-in by another site's form)."""
    token = secrets.token_urlsafe(32)
    response = page(request, "sign_in.html", None, sign_in_token=token, error=None)
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=600,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/console",
    )
    return response


@router.post("/sign-in")
async def sign_in(request: Request, settings: SettingsDep) -> Response:
    """Exchange an API key for a session cookie."""
    form = await form_of(request)
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if expected is None or not same_token(expected, form.get("sign_in_token")):
        raise ForbiddenError("the sign-in form is out of date: reload the page and try again")
    key = form.get("api_key", "").strip()
    record = request.app.state.keyring.verify(key)

    def again(error: str, status: int) -> Response:
        response = page(request, "sign_in.html", None, status, sign_in_token=expected, error=error)
        return response

    if record is None:
        log.info("console_sign_in_refused", reason="invalid_key")
        return again("That API key is not valid (or was revoked).", 401)
    if record.role not in CONSOLE_ROLES:
        log.info("console_sign_in_refused", reason="role", role=record.role.value, key_id=record.key_id)
        return again(f"Keys of role {record.role.value} have no console pages.", 403)
    session = sessions_of(request).open(key, record)
    log.info("console_signed_in", key_id=record.key_id, role=record.role.value)
    response = redirect(HOME[record.role])
    response.set_cookie(
        SESSION_COOKIE,
        session.session_id,
        max_age=int(settings.console_session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/console",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session."""
    session = require(request, CONSOLE_ROLES)
    await checked_form(request, session)
    sessions_of(request).close(session.session_id)
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/queue")
async def queue(request: Request, session: SessionDep) -> Response:
    """Red and yellow decisions awaiting an outcome (of the key's office), the oldest first."""
    console = require(request, QUEUE_ROLES)
    office = console.record.office_id
    rows = await inspection_queue(session, office, QUEUE_SIZE)
    return page(
        request,
        "queue.html",
        console,
        items=[row.to_decision() for row in rows],
        office=office,
        after_id=await last_decision_id(session),
    )


@router.get("/decisions/{stream}/{subject_id}")
async def decisionpage(request: Request, session: SessionDep, stream: str, subject_id: str) -> Response:
    """One subject: its current decision, every version, its outcome; the forms the role may use."""
    console = require(request, CONSOLE_ROLES)
    found = await subject_record(session, _stream_of(stream), subject_id[:64])
    if found is None:
        return page(request, "not_found.html", console, 404, subject_id=subject_id)
    return page(
        request,
        "decision.html",
        console,
        record=found,
        decision=found.history.versions[-1],
        done=request.query_params.get("done"),
        errors=[],
        values={},
        lanes=list(CATALOGUE.of(found.history.versions[-1].stream).lanes),
        severities=list(Severity),
        now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
    )


def _outcome_report(form: dict[str, str]) -> InspectionOutcome:
    inspected_at = form.get("inspected_at", "")
    return InspectionOutcome.model_validate(
        {
            "inspected": form.get("inspected") == "yes",
            "irregularity_found": form.get("irregularity_found") == "yes",
            "severity": form.get("severity") or "none",
            "revenue_recovered": form.get("revenue_recovered") or "0",
            "currency": form.get("currency") or None,
            "officer_id": form.get("officer_id", ""),
            "notes": form.get("notes") or None,
            # The form's local time is read as UTC (the page says so).
            "inspected_at": f"{inspected_at}:00+00:00" if len(inspected_at) == 16 else inspected_at,
        }
    )


@router.post("/decisions/{stream}/{subject_id}/outcome")
async def post_outcome(
    request: Request, session: SessionDep, writes: WritesDep, stream: str, subject_id: str
) -> Response:
    """Record an inspection outcome from the form (inspectors)."""
    console = require(request, (Role.INSPECTOR,))
    form = await checked_form(request, console)
    kind = _stream_of(stream)
    try:
        report = _outcome_report(form)
    except ValidationError as error:
        return await _decision_with_errors(request, session, console, kind, subject_id, error, form)
    async with writes:
        try:
            result = await record_outcome(session, kind, subject_id, report)
        except OutcomeConflictError:
            return redirect(_decision_path(stream, subject_id) + "?done=conflict")
        except LookupError:
            return page(request, "not_found.html", console, 404, subject_id=subject_id)
        if result.created:
            await session.commit()
    if result.created:
        OUTCOMES_RECORDED.labels(result.decision.lane, result_label(report)).inc()
        log.info("outcome_recorded", stream=kind.value, lane=result.decision.lane, result=result_label(report))
        outbox: Outbox = request.app.state.outbox
        await outbox.publish([(result.outcome, result.decision)])
    return redirect(_decision_path(stream, subject_id) + "?done=outcome")


@router.post("/decisions/{stream}/{subject_id}/override")
async def post_override(
    request: Request, session: SessionDep, writes: WritesDep, stream: str, subject_id: str
) -> Response:
    """Override the lane from the form (supervisors)."""
    console = require(request, (Role.SUPERVISOR,))
    form = await checked_form(request, console)
    kind = _stream_of(stream)
    try:
        body = OverrideRequest.model_validate({"lane": form.get("lane", ""), "reason": form.get("reason", "")})
    except ValidationError as error:
        return await _decision_with_errors(request, session, console, kind, subject_id, error, form)
    try:
        await apply_override(
            request, session, writes, request.app.state.override_outbox, kind, subject_id, body.lane, body.reason
        )
    except OverrideRefusedError as error:
        if error.status == 404:
            return page(request, "not_found.html", console, 404, subject_id=subject_id)
        if error.status == 422:
            return redirect(_decision_path(stream, subject_id) + "?done=no_such_lane")
        return redirect(_decision_path(stream, subject_id) + "?done=same_lane")
    return redirect(_decision_path(stream, subject_id) + "?done=override")


async def _decision_with_errors(
    request: Request,
    session: SessionDep,
    console: ConsoleSession,
    stream: Stream,
    subject_id: str,
    error: ValidationError,
    form: dict[str, str],
) -> Response:
    found = await subject_record(session, stream, subject_id)
    if found is None:
        return page(request, "not_found.html", console, 404, subject_id=subject_id)
    return page(
        request,
        "decision.html",
        console,
        422,
        record=found,
        decision=found.history.versions[-1],
        done=None,
        errors=field_errors(error.errors()),
        values={k: v for k, v in form.items() if k != "csrf_token"},
        lanes=list(CATALOGUE.of(found.history.versions[-1].stream).lanes),
        severities=list(Severity),
        now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
    )


@router.get("/overrides")
async def overridespage(request: Request, session: SessionDep) -> Response:
    """The latest overrides, and a way to find the decision to override (supervisors)."""
    console = require(request, (Role.SUPERVISOR,))
    return page(request, "overrides.html", console, overrides=await recent_overrides(session, PAGE_SIZE))


def _search_filter(request: Request) -> tuple[DecisionFilter, dict[str, str], list[str]]:
    query = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    problems: list[str] = []
    lanes: tuple[Lane, ...] = ()
    stream = None
    if "lane" in query:
        lanes = (Lane(query["lane"]),) if query["lane"] in {lane.value for lane in Lane} else ()
    if "stream" in query and query["stream"] in {s.value for s in Stream}:
        stream = Stream(query["stream"])
    window: dict[str, datetime | None] = {}
    for name in ("decided_from", "decided_to"):
        window[name] = None
        if name in query:
            try:
                window[name] = datetime.fromisoformat(query[name]).replace(tzinfo=UTC)
            except ValueError:
                problems.append(f"{name.replace('_', ' ')}: give a date (YYYY-MM-DD)")
    criteria = DecisionFilter(
        stream=stream,
        lanes=lanes,
        office_id=query.get("office_id", "")[:64] or None,
        importer_id=query.get("importer_id", "")[:64] or None,
        decided_from=window["decided_from"],
        decided_to=window["decided_to"],
    )
    return criteria, query, problems


@router.get("/search")
async def search(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Decisions by filters, the newest first, a page at a time; or straight to one subject (analysts)."""
    console = require(request, SEARCH_ROLES)
    criteria, query, problems = _search_filter(request)
    subject_id = query.get("subject_id", "")[:64]
    if subject_id:
        stream = criteria.stream or Stream.DECLARATION
        if await get_decision(session, stream, subject_id) is not None:
            return redirect(_decision_path(stream.value, subject_id))
        problems.append(f"no decision for {stream.value} {subject_id}")
    secret = settings.cursor_secret.get_secret_value().encode()
    try:
        found = await list_decisions(
            session, criteria, DecisionSort.DECIDED_AT_DESC, PAGE_SIZE, query.get("cursor"), secret
        )
    except CursorError:
        found = await list_decisions(session, criteria, DecisionSort.DECIDED_AT_DESC, PAGE_SIZE, None, secret)
    more = None
    if found.next_cursor:
        more = httpx.QueryParams({**{k: v for k, v in query.items() if k != "cursor"}, "cursor": found.next_cursor})
    return page(
        request,
        "search.html",
        console,
        items=found.items,
        query=query,
        problems=problems,
        more=str(more) if more else None,
        lanes=list(Lane),
        streams=list(Stream),
    )


async def watchlist_documents(
    client: httpx.AsyncClient, base_url: str, key: str, path: str
) -> tuple[list[dict[str, Any]], str | None]:
    try:
        answer = await client.get(
            f"{base_url}{path}", params={"limit": 100}, headers={"Authorization": f"Bearer {key}"}
        )
    except httpx.HTTPError as error:
        log.warning("console_watchlist_unreachable", error=type(error).__name__)
        return [], f"The watchlist service at {base_url} cannot be reached."
    if answer.status_code != 200:
        return [], f"The watchlist service answered {answer.status_code}."
    items: list[dict[str, Any]] = answer.json().get("items", [])
    return items, None


@router.get("/watchlist")
async def watchlist(request: Request, settings: SettingsDep) -> Response:
    """The selectivity rules and watchlist entries, read-only, from the watchlist service (analysts)."""
    console = require(request, (Role.ANALYST,))
    return await watchlist_page(request, settings, console)


async def watchlist_page(
    request: Request, settings: SettingsDep, console: ConsoleSession, status: int = 200, **context: Any
) -> Response:
    """The rules and entries page, with the dry run's and the backtest's forms (and what `context` adds)."""
    client: httpx.AsyncClient = request.app.state.console_http
    (rules, rules_error), (entries, entries_error) = await asyncio.gather(
        watchlist_documents(client, settings.watchlist_url, console.key, "/v1/rules"),
        watchlist_documents(client, settings.watchlist_url, console.key, "/v1/watchlist/entries"),
    )
    today = datetime.now(UTC).date()
    defaults: dict[str, Any] = {
        "dry_run": None,
        "dry_run_values": {},
        "backtest_values": {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()},
        "problems": [],
    }
    return page(
        request,
        "watchlist.html",
        console,
        status,
        rules=rules,
        entries=entries,
        error=rules_error or entries_error,
        watchlist_url=settings.watchlist_url,
        **{**defaults, **context},
    )


@router.get("/live")
async def live(request: Request, broadcaster: BroadcasterDep, sessions: SessionsDep, settings: SettingsDep) -> Response:
    """New red and yellow decisions as Server-Sent Events, for the queue's live updates."""
    console = require(request, QUEUE_ROLES)
    if not broadcaster.admits(console.record.key_id):
        return Response("too many live streams", status_code=429, headers={"Retry-After": "5"})
    after = request.query_params.get("after_id")
    resume = int(after) if after and after.isdigit() and len(after) < 19 else None
    criteria = DecisionFilter(lanes=(Lane.RED, Lane.YELLOW), office_id=console.record.office_id)
    events = event_stream(broadcaster, sessions, criteria, resume, settings.live_heartbeat_s, console.record.key_id)
    return harden(
        StreamingResponse(
            events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
    )
