"""The console's pages that read the analytics service with the signed-in key: the analysts' re-screening alerts
(list, acknowledge, live updates) and the managers' charts. Every call is made by the gateway (same origin for the
browser): the page never names the analytics service's address."""

import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from portcullis.gateway.console.pages import page, redirect
from portcullis.gateway.console.queries import lane_summary
from portcullis.gateway.console.security import checked_form, harden, require
from portcullis.gateway.db import SessionDep
from portcullis.shared.auth import Role
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Stream

log = get_logger(__name__)
router = APIRouter(prefix="/console", include_in_schema=False)

ALERT_ROLES = (Role.ANALYST,)
CHART_ROLES = (Role.READER,)
ALERTS_SHOWN = 50
ALERT_ID = re.compile(r"^[a-f0-9]{24}$")
ALERT_FILTERS = {"open": "Open", "acknowledged": "Acknowledged", "all": "All"}
#: The charts a manager may ask for: report -> its groupings (as the analytics service names them).
REPORTS = {
    "performance": ("Performance of selection", ("lane", "office", "rule", "model_version", "officer", "week", "all")),
    "time-release": ("Time release", ("lane", "office", "transport_mode", "agency", "week", "all")),
}
#: The managers' lane mix covers this many days (the charts cover the period the form asks for).
PERFORMANCE_DAYS = 7
#: Longest period of a chart (the analytics service refuses more than three years).
MAX_CHART_DAYS = 366
#: A chart over a long period may take the analytics service a few seconds.
CHART_TIMEOUT = httpx.Timeout(15.0, connect=3.0)
#: The live stream waits for events as long as it is open; only connecting is bounded.
LIVE_TIMEOUT = httpx.Timeout(None, connect=3.0)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def analytics_call(
    request: Request, method: str, path: str, key: str, **arguments: Any
) -> tuple[httpx.Response | None, str | None]:
    """Call the analytics service with the session's key: its answer, or None and what the page should say."""
    base_url: str = request.app.state.settings.analytics_url
    client: httpx.AsyncClient = request.app.state.console_http
    try:
        answer = await client.request(method, f"{base_url}{path}", headers=_bearer(key), **arguments)
    except httpx.HTTPError as error:
        log.warning("console_analytics_unreachable", path=path, error=type(error).__name__)
        return None, "The analytics service cannot be reached."
    return answer, None


@router.get("/alerts")
async def alertspage(request: Request) -> Response:
    """Re-screening alerts, the newest first, with the acknowledge form of each open one (analysts)."""
    console = require(request, ALERT_ROLES)
    shown = request.query_params.get("status", "open")
    shown = shown if shown in ALERT_FILTERS else "open"
    params: dict[str, str | int] = {"limit": ALERTS_SHOWN}
    if shown != "all":
        params["status"] = shown
    answer, error = await analytics_call(request, "GET", "/v1/alerts", console.key, params=params)
    alerts: list[dict[str, Any]] = []
    if answer is not None and answer.status_code == 200:
        alerts = answer.json().get("alerts", [])
    elif answer is not None:
        error = f"The analytics service answered {answer.status_code}."
    return page(
        request,
        "alerts.html",
        console,
        alerts=alerts,
        shown=shown,
        filters=ALERT_FILTERS,
        error=error,
        done=request.query_params.get("done"),
    )


#: What the analytics service's refusals of an acknowledgement mean on the page.
_ACKNOWLEDGE_DONE = {200: "acknowledged", 404: "no_such_alert", 409: "already", 422: "note", 503: "retry"}


@router.post("/alerts/{alert_id}/acknowledge")
async def post_acknowledge(request: Request, alert_id: str) -> Response:
    """Acknowledge an alert with a note, from the form (analysts)."""
    console = require(request, ALERT_ROLES)
    form = await checked_form(request, console)
    if not ALERT_ID.match(alert_id):
        return page(request, "not_found.html", console, 404, subject_id=alert_id[:64])
    note = form.get("note", "").strip()
    if not note or len(note) > 2000:
        return redirect("/console/alerts?done=note")
    answer, _ = await analytics_call(
        request, "POST", f"/v1/alerts/{alert_id}/acknowledge", console.key, json={"note": note}
    )
    done = _ACKNOWLEDGE_DONE.get(answer.status_code, "retry") if answer is not None else "unreachable"
    if done == "acknowledged":
        log.info("console_alert_acknowledged", alert_id=alert_id, key_id=console.record.key_id)
    return redirect(f"/console/alerts?done={done}")


@router.get("/alerts/live")
async def alerts_live(request: Request) -> Response:
    """The analytics service's alert events, relayed (analysts); resumable with Last-Event-ID."""
    console = require(request, ALERT_ROLES)
    relays: Counter[str] = request.app.state.console_alert_relays
    key_id = console.record.key_id
    if relays[key_id] >= request.app.state.settings.live_streams_per_key:
        return harden(Response("too many live streams", status_code=429, headers={"Retry-After": "5"}))
    headers = _bearer(console.key)
    resume = request.headers.get("last-event-id", "")
    if resume.isdigit() and len(resume) < 19:
        headers["Last-Event-ID"] = resume
    # Its own client: a relay holds its connection for as long as the page is open, and must not take one from
    # the pool the pages' calls share.
    client = httpx.AsyncClient(timeout=LIVE_TIMEOUT)
    upstream = client.build_request(
        "GET", f"{request.app.state.settings.analytics_url}/v1/alerts/stream", headers=headers
    )
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.HTTPError as error:
        await client.aclose()
        log.warning("console_alerts_live_unreachable", error=type(error).__name__)
        return harden(Response("the analytics service cannot be reached", status_code=502))
    if answer.status_code != 200:
        await answer.aclose()
        await client.aclose()
        return harden(Response(f"the analytics service answered {answer.status_code}", status_code=502))
    relays[key_id] += 1

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        except httpx.HTTPError as error:
            log.info("console_alerts_live_ended", error=type(error).__name__)
        finally:
            relays[key_id] -= 1
            await answer.aclose()
            await client.aclose()

    return harden(
        StreamingResponse(
            relay(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
    )


def chart_query(query: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The managers' chart form, checked: report, from, to, group_by (defaults: performance of the last 30 days)."""
    today = datetime.now(UTC).date()
    report = query.get("report", "performance")
    problems: list[str] = []
    if report not in REPORTS:
        problems.append("report: choose performance or time release")
        report = "performance"
    dates: dict[str, date] = {}
    for name, default in (("from", today - timedelta(days=29)), ("to", today)):
        text = query.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else default
        except ValueError:
            problems.append(f"{name}: give a date (YYYY-MM-DD)")
            dates[name] = default
    if dates["to"] < dates["from"]:
        problems.append("to: is before from")
    elif (dates["to"] - dates["from"]).days >= MAX_CHART_DAYS:
        problems.append(f"to: the period is longer than {MAX_CHART_DAYS} days")
    groups = REPORTS[report][1]
    group_by = query.get("group_by", groups[0])
    if group_by not in groups:
        # A grouping of the other report (the form's report was switched): this report's first instead.
        if not any(group_by in other for _, other in REPORTS.values()):
            problems.append(f"group by: no grouping {group_by[:32]!r}")
        group_by = groups[0]
    return {
        "report": report,
        "from": dates["from"].isoformat(),
        "to": dates["to"].isoformat(),
        "group_by": group_by,
    }, problems


@router.get("/charts/{report}.svg")
async def chart(request: Request, report: str) -> Response:
    """A chart of the analytics service, fetched with the manager's key (managers: reader keys)."""
    console = require(request, CHART_ROLES)
    chosen, problems = chart_query({**request.query_params, "report": report})
    if problems:
        return harden(Response("; ".join(problems), status_code=422))
    params = {"from": chosen["from"], "to": chosen["to"], "group_by": chosen["group_by"], "format": "svg"}
    answer, error = await analytics_call(
        request, "GET", f"/v1/reports/{chosen['report']}", console.key, params=params, timeout=CHART_TIMEOUT
    )
    if answer is None or answer.status_code != 200:
        status = answer.status_code if answer is not None else "unreachable"
        log.warning("console_chart_refused", report=chosen["report"], status=status)
        return harden(Response(error or "the analytics service could not draw the chart", status_code=502))
    response = Response(answer.content, media_type="image/svg+xml")
    return harden(response)


def chart_context(request: Request) -> dict[str, Any]:
    """What the managers' page needs for its chart form and its chart."""
    chosen, problems = chart_query(dict(request.query_params))
    source = httpx.QueryParams({k: v for k, v in chosen.items() if k != "report"})
    return {
        "chart": chosen,
        "chart_problems": problems,
        "chart_src": None if problems else f"/console/charts/{chosen['report']}.svg?{source}",
        "reports": {name: label for name, (label, _) in REPORTS.items()},
        "groupings": {name: groups for name, (_, groups) in REPORTS.items()},
    }


@router.get("/performance")
async def performance(request: Request, session: SessionDep) -> Response:
    """The lane mix of the last 7 days, and a chart of the analytics service (managers: reader keys)."""
    console = require(request, CHART_ROLES)
    since = datetime.now(UTC) - timedelta(days=PERFORMANCE_DAYS)
    lanes = await lane_summary(session, Stream.DECLARATION, since)
    return page(
        request,
        "performance.html",
        console,
        lanes=lanes,
        decisions=sum(lane.decisions for lane in lanes),
        days=PERFORMANCE_DAYS,
        **chart_context(request),
    )
