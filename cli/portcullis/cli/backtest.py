"""`portcullis backtest`: run rules or a model version over a period of history on the analytics service; print."""

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from portcullis.cli.service_client import ApiKey, auth_headers, fail, refusal, service_url
from portcullis.shared.auth import Role

#: How often the job's progress is asked for.
POLL_S = 1.0


def backtest_command(
    first: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD, UTC)", show_default=False)],
    last: Annotated[str, typer.Option("--to", help="Last day, included (YYYY-MM-DD)", show_default=False)],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="JSON file: one rule or a list, as `PUT /v1/rules/{id}` takes them"),
    ] = None,
    rule_ids: Annotated[list[str] | None, typer.Option("--rule-id", help="A saved rule (repeat for more)")] = None,
    with_current_rules: Annotated[
        bool, typer.Option("--with-current-rules", help="Add every saved rule (today's rule set)")
    ] = False,
    model_version: Annotated[
        str | None,
        typer.Option("--model-version", help="Re-score with this model version (`portcullis model list`)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the job with its answer as JSON")] = False,
    timeout_s: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the answer")] = 600.0,
    url: Annotated[
        str | None, typer.Option("--url", help="Analytics service (default: PORTCULLIS_ANALYTICS_URL or :8004)")
    ] = None,
    api_key: ApiKey = None,
) -> None:
    """Backtest rules or a model version over stored declarations: lanes, overlap, hits, rates against capacity."""
    for name, value in (("--from", first), ("--to", last)):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise fail(f"{name} {value!r} is not a date (YYYY-MM-DD)", code=2) from None
    body: dict[str, Any] = {
        "from": first,
        "to": last,
        "rule_ids": rule_ids or [],
        "with_current_rules": with_current_rules,
    }
    if rules is not None:
        body["rules"] = _read_rules(rules)
    if model_version is not None:
        body["model_version"] = model_version
    if not body.get("rules") and not body["rule_ids"] and not with_current_rules and model_version is None:
        raise fail("give --rules FILE, --rule-id ID, --with-current-rules or --model-version", code=2)
    base = service_url("analytics", url)
    with httpx.Client(base_url=base, headers=auth_headers(Role.ANALYST, api_key), timeout=30) as client:
        job = _call(client, "post", "/v1/backtests", base, api_key, json=body)
        deadline = time.monotonic() + timeout_s
        while job["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                raise fail(
                    f"backtest {job['id']} not done after {timeout_s:g} s (it goes on: GET /v1/backtests/{{id}})"
                )
            if not as_json and job.get("records_total"):
                typer.echo(f"{job['records_done']:,} of {job['records_total']:,} declarations", err=True)
            time.sleep(POLL_S)
            job = _call(client, "get", f"/v1/backtests/{job['id']}", base, api_key)
    if as_json:
        typer.echo(json.dumps(job, indent=2))
    if job["status"] != "done":
        raise fail(f"backtest {job['id']} {job['status']}: {job.get('error')}")
    if not as_json:
        typer.echo(render_table(job))


def _read_rules(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror}", code=2) from None
    except ValueError as error:
        raise fail(f"{path} is not JSON: {error}", code=2) from None
    return document if isinstance(document, list) else [document]


def _call(
    client: httpx.Client, method: str, path: str, base: str, api_key: str | None, **kwargs: Any
) -> dict[str, Any]:
    try:
        answer = client.request(method.upper(), path, **kwargs)
    except httpx.HTTPError as error:
        raise fail(f"backtest failed: the analytics service at {base} did not answer ({error})") from None
    if answer.status_code not in (200, 202):
        raise fail(refusal("backtest", answer, Role.ANALYST, api_key))
    job: dict[str, Any] = answer.json()
    return job


def render_table(job: dict[str, Any]) -> str:
    """The answer as a table for the terminal."""
    result = job["result"]
    stored, replayed = result["stored_lanes"], result["backtest_lanes"]
    rates, overlap, outcomes = result["rates"], result["overlap"], result["outcomes"]
    hit_rate = outcomes["hit_rate"]
    model = result.get("model")
    lines = [
        f"backtest {job['id']}: {result['records']:,} declarations, {job['from']} to {job['to']}, "
        f"{result['seconds']:.1f} s",
        *(
            [
                f"model {model['version']}: yellow from {model['yellow_threshold']:.4f}, red from "
                f"{model['red_threshold']:.4f}; {model['scores_changed']:,} scores changed"
            ]
            if model
            else []
        ),
        "",
        f"{'lane':<8} {'stored':>10} {'backtest':>10} {'change':>8}",
        *(
            f"{lane:<8} {stored[lane]:>10,} {replayed[lane]:>10,} {replayed[lane] - stored[lane]:>+8,}"
            for lane in ("red", "yellow", "blue", "green")
        ),
        "",
        f"{'rule':<24} {'matched':>10}",
        *(f"{rule['rule_id'][:24]:<24} {rule['matched']:>10,}" for rule in result["rules"]),
        "",
        f"selected {result['selected']:,}: {overlap['both']:,} also selected then, {overlap['backtest_only']:,} "
        f"new, {overlap['stored_only']:,} no longer",
        f"with an outcome {outcomes['with_outcome']:,}, hits {outcomes['hits']:,}"
        + (f" ({hit_rate:.1%})" if hit_rate is not None else "")
        + f", revenue recovered {outcomes['revenue_recovered']:,.2f}, declared value at stake "
        f"{result['declared_value_selected']:,.2f}",
        f"red rate {rates['stored_red_rate']:.2%} -> {rates['backtest_red_rate']:.2%} "
        f"(capacity {rates['capacity_red_rate']:.2%}); yellow rate {rates['stored_yellow_rate']:.2%} -> "
        f"{rates['backtest_yellow_rate']:.2%} (capacity {rates['capacity_yellow_rate']:.2%})",
    ]
    if result["uncertain_lanes"]:
        lines.append(f"{result['uncertain_lanes']:,} lanes uncertain (see docs/analysis.md, Backtests)")
    return "\n".join(lines)
