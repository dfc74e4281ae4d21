"""The analysts' work on rules from the console: a dry run of a saved rule on sample records (the watchlist
service) and a backtest of saved rules over a period of history with its progress (the analytics service)."""

import re
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
from fastapi import APIRouter, Request, Response

from portcullis.gateway.console.analytics import analytics_call
from portcullis.gateway.console.pages import page, redirect, watchlist_documents, watchlist_page
from portcullis.gateway.console.security import checked_form, require
from portcullis.gateway.deps import SettingsDep
from portcullis.shared.auth import Role
from portcullis.shared.logging import get_logger
from portcullis.shared.streams import CATALOGUE

log = get_logger(__name__)
router = APIRouter(prefix="/console", include_in_schema=False)

RULE_ROLES = (Role.ANALYST,)
BACKTEST_ID = re.compile(r"^bt-[a-f0-9]{12}$")
#: The backtest page reloads itself this often (seconds) until the job is done.
PROGRESS_REFRESH_S = 2
MAX_SAMPLES = 1000


def _problems(answer_json: Any) -> list[str]:
    """The field errors of a 422 in the common error format, as lines a page shows."""
    detail = answer_json.get("detail") if isinstance(answer_json, dict) else None
    if isinstance(detail, list):
        return [f"{item.get('field', '')}: {item.get('reason', '')}" for item in detail if isinstance(item, dict)]
    return [str(detail)] if detail else ["the request was refused"]


@router.post("/watchlist/dry-run")
async def post_dry_run(request: Request, settings: SettingsDep) -> Response:
    """Try a saved rule on sample records pasted as JSON, without changing anything (analysts)."""
    console = require(request, RULE_ROLES)
    form = await checked_form(request, console)
    values = {"rule_id": form.get("rule_id", "")[:64], "samples": form.get("samples", "")}
    client = request.app.state.console_http
    rules, error = await watchlist_documents(client, settings.watchlist_url, console.key, "/v1/rules")
    rule = next((r for r in rules if r.get("id") == values["rule_id"]), None)
    problems: list[str] = []
    samples: Any = None
    if error:
        problems.append(error)
    elif rule is None:
        problems.append("rule: choose a saved rule")
    try:
        samples = orjson.loads(values["samples"] or "null")
    except orjson.JSONDecodeError:
        problems.append("sample records: not JSON (give a list of records, as the stream's API takes them)")
    if samples is not None and isinstance(samples, dict):
        samples = [samples]
    if not problems and (not isinstance(samples, list) or not samples or len(samples) > MAX_SAMPLES):
        problems.append(f"sample records: give a list of 1 to {MAX_SAMPLES} records")
    if problems or rule is None:
        return await watchlist_page(request, settings, console, 422, problems=problems, dry_run_values=values)
    field = CATALOGUE.of(rule["rule"]["stream"]).name
    body = {"rule_id": rule["id"], field: samples}
    try:
        answer = await client.post(
            f"{settings.watchlist_url}/v1/rules/dry-run", json=body, headers={"Authorization": f"Bearer {console.key}"}
        )
    except httpx.HTTPError as failure:
        log.warning("console_dry_run_unreachable", error=type(failure).__name__)
        problems = [f"The watchlist service at {settings.watchlist_url} cannot be reached."]
        return await watchlist_page(request, settings, console, 502, problems=problems, dry_run_values=values)
    if answer.status_code != 200:
        problems = [f"The watchlist service answered {answer.status_code}."]
        if answer.status_code == 422:
            problems = _problems(answer.json())
        return await watchlist_page(request, settings, console, 422, problems=problems, dry_run_values=values)
    log.info("console_dry_run", rule_id=rule["id"], samples=len(samples), key_id=console.record.key_id)
    return await watchlist_page(request, settings, console, dry_run=answer.json(), dry_run_values=values)


@router.post("/backtests")
async def post_backtest(request: Request, settings: SettingsDep) -> Response:
    """Start a backtest of saved rules over a period, then follow its progress on its page (analysts)."""
    console = require(request, RULE_ROLES)
    form = await checked_form(request, console)
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"))
    rule_ids = [value[:64] for name, value in pairs if name == "rule_ids"][:200]
    values = {"from": form.get("from", ""), "to": form.get("to", ""), "rule_ids": rule_ids}
    body = {
        "rule_ids": rule_ids,
        "with_current_rules": form.get("with_current_rules") == "yes",
        "from": values["from"],
        "to": values["to"],
    }
    if not rule_ids and not body["with_current_rules"]:
        problems = ["rules: choose saved rules, or today's rule set"]
        return await watchlist_page(request, settings, console, 422, problems=problems, backtest_values=values)
    answer, error = await analytics_call(request, "POST", "/v1/backtests", console.key, json=body)
    if answer is None or answer.status_code != 202:
        if answer is None:
            problems = [error or "The analytics service cannot be reached."]
        elif answer.status_code == 422:
            problems = _problems(answer.json())
        elif answer.status_code == 409:
            problems = ["Another backtest is running: try again when it is done."]
        elif answer.status_code == 503:
            problems = ["The analytics service is still reading the saved rules: try again in a moment."]
        else:
            problems = [f"The analytics service answered {answer.status_code}."]
        return await watchlist_page(request, settings, console, 422, problems=problems, backtest_values=values)
    job = answer.json()
    log.info("console_backtest_started", job_id=job["id"], rules=len(rule_ids), key_id=console.record.key_id)
    return redirect(f"/console/backtests/{job['id']}")


@router.get("/backtests/{job_id}")
async def backtestpage(request: Request, job_id: str) -> Response:
    """A backtest's progress, and its answer when done (analysts)."""
    console = require(request, RULE_ROLES)
    if not BACKTEST_ID.match(job_id):
        return page(request, "not_found.html", console, 404, subject_id=job_id[:64])
    answer, error = await analytics_call(request, "GET", f"/v1/backtests/{job_id}", console.key)
    if answer is not None and answer.status_code == 404:
        return page(request, "not_found.html", console, 404, subject_id=job_id)
    job = answer.json() if answer is not None and answer.status_code == 200 else None
    if job is None and error is None and answer is not None:
        error = f"The analytics service answered {answer.status_code}."
    running = job is not None and job["status"] in ("queued", "running")
    return page(request, "backtest.html", console, job=job, error=error, running=running, refresh_s=PROGRESS_REFRESH_S)
