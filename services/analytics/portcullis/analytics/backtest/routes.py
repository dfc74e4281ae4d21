"""`POST /v1/backtests` and `GET /v1/backtests/{id}`: run rules over a period of history, read the answer."""

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response

from portcullis.analytics.backtest.jobs import BacktestBusyError, BacktestRunner
from portcullis.analytics.backtest.rulebook import RuleBook
from portcullis.analytics.backtest.schemas import MAX_BACKTEST_DAYS, BacktestJob, BacktestRequest
from portcullis.analytics.deps import INVALID, unprocessable
from portcullis.analytics.reports.period import Period
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.shared.http import ErrorBody, FieldError, JSONBody
from portcullis.shared.rules import CompiledRule, RuleValidationError, compile_rule
from portcullis.shared.rules.fields import mirror_fields_tested

if TYPE_CHECKING:
    from portcullis.analytics.backtest.models import ModelUnderTest

router = APIRouter(prefix="/v1/backtests", tags=["backtests"])

_EXAMPLE = {
    "rules": [
        {
            "name": "furniture from China",
            "reason": "furniture from China: documents",
            "action": {"lane": "yellow"},
            "condition": {
                "all": [
                    {"field": "hs6_code", "op": "prefix", "value": "94"},
                    {"field": "origin_country", "op": "eq", "value": "CN"},
                ]
            },
        }
    ],
    "with_current_rules": True,
    "from": "2026-10-01",
    "to": "2026-10-31",
}
_MODEL_EXAMPLE = {"model_version": "dm-20261101-090000-1a2b3c4d", "from": "2026-10-01", "to": "2026-10-31"}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    **INVALID,
    409: {"model": ErrorBody, "description": "Another backtest is running: wait for it, then retry"},
    503: {"model": ErrorBody, "description": "The saved rules are still being read at start: retry"},
}


def _runner(request: Request) -> BacktestRunner:
    runner: BacktestRunner = request.app.state.backtests
    return runner


def _rules_under_test(request: BacktestRequest, book: RuleBook | None) -> list[CompiledRule]:
    problems: list[FieldError] = []
    compiled: list[CompiledRule] = []
    for position, spec in enumerate(request.rules):
        try:
            compiled.append(compile_rule(f"draft-{position + 1}", 0, spec))
        except RuleValidationError as error:
            problems += [FieldError(field=f"rules.{position}.{p.field}", reason=p.reason) for p in error.problems]
    saved = book.rules if book is not None else {}
    for position, rule_id in enumerate(request.rule_ids):
        if rule_id not in saved:
            problems.append(FieldError(field=f"rule_ids.{position}", reason=f"no saved rule {rule_id!r}"))
    # The mirror gap fields read scoring's current gap table, which is not applied to the stored declarations: a
    # backtest of such a rule would select nothing and say so with a straight face. Refused, naming the rule.
    for position, rule in enumerate(compiled):
        if _tests_mirror_gap(rule):
            problems.append(FieldError(field=f"rules.{position}", reason=_MIRROR_REFUSAL))
    for position, rule_id in enumerate(request.rule_ids):
        if rule_id in saved and _tests_mirror_gap(saved[rule_id]):
            problems.append(FieldError(field=f"rule_ids.{position}", reason=_MIRROR_REFUSAL))
    if request.with_current_rules:
        mirrored = sorted(rule_id for rule_id, rule in saved.items() if _tests_mirror_gap(rule))
        if mirrored:
            reason = f"saved rules {', '.join(mirrored)}: {_MIRROR_REFUSAL}; name the other rules in rule_ids"
            problems.append(FieldError(field="with_current_rules", reason=reason))
    if problems:
        raise HTTPException(422, detail=[problem.model_dump() for problem in problems])
    named = set(request.rule_ids) | (set(saved) if request.with_current_rules else set())
    return compiled + [saved[rule_id] for rule_id in sorted(named)]


_MIRROR_REFUSAL = (
    "tests a mirror gap field (mirror_*), which backtests cannot replay yet: the gap table is not applied to the "
    "stored declarations"
)


def _tests_mirror_gap(rule: CompiledRule) -> bool:
    return bool(mirror_fields_tested(rule.spec.condition))


async def _model_under_test(version: str, request: Request) -> "ModelUnderTest":
    # Imported here: the service loads LightGBM and pandas only when a model backtest is asked for.
    from portcullis.analytics.backtest.models import ModelNotFoundError, ModelUnusableError, load_model_under_test

    settings: AnalyticsSettings = request.app.state.settings
    if _runner(request).busy():  # loading a model is not free: refuse before it, as submit would after
        raise HTTPException(409, detail="another backtest is running: retry when it is done")
    try:
        return await asyncio.to_thread(
            load_model_under_test,
            settings.model_registry,
            version,
            settings.expected_red_rate,
            settings.expected_yellow_rate,
        )
    except ModelNotFoundError as error:
        raise unprocessable("model_version", f"{error} (`portcullis model list` lists them)") from None
    except ModelUnusableError as error:
        raise unprocessable("model_version", str(error)) from None


@router.post(
    "",
    status_code=202,
    response_model=BacktestJob,
    responses=_ANSWERS,
    summary="Start a backtest: draft or saved rules, or a model version, over a period of stored declarations",
)
async def start_backtest(
    body: Annotated[
        BacktestRequest, Body(openapi_examples={"draft": {"value": _EXAMPLE}, "model": {"value": _MODEL_EXAMPLE}})
    ],
    request: Request,
) -> Response:
    """Start a backtest job (one at a time); `GET /v1/backtests/{id}` gives its progress and answer."""
    if body.last < body.first:
        raise unprocessable("to", "is before from")
    if (body.last - body.first).days >= MAX_BACKTEST_DAYS:
        raise unprocessable("to", f"the period is longer than {MAX_BACKTEST_DAYS} days")
    if body.first.year < 2000 or body.last.year > 2100:
        raise unprocessable("from", "the period lies outside 2000..2100")
    if (body.rule_ids or body.with_current_rules) and not request.app.state.rules_follower.caught_up.is_set():
        raise HTTPException(503, detail="the saved rules are still being read (watchlist topic): retry in a moment")
    rules = _rules_under_test(body, request.app.state.rule_book)
    model = await _model_under_test(body.model_version, request) if body.model_version is not None else None
    try:
        job = _runner(request).submit(Period(body.first, body.last), rules, model)
    except BacktestBusyError:
        raise HTTPException(409, detail="another backtest is running: retry when it is done") from None
    headers = {"Location": f"/v1/backtests/{job.id}"}
    return JSONBody(job.model_dump(mode="json", by_alias=True), status_code=202, headers=headers)


@router.get(
    "/{job_id}",
    response_model=BacktestJob,
    responses={404: {"model": ErrorBody, "description": "No backtest of that id (a restart forgets them)"}},
    summary="A backtest's status, progress (records done of total) and, when done, its answer",
)
async def get_backtest(job_id: str, request: Request) -> Response:
    """The backtest job."""
    job = _runner(request).get(job_id)
    if job is None:
        raise HTTPException(404, detail=f"no backtest {job_id!r}")
    return JSONBody(job.model_dump(mode="json", by_alias=True))
