"""`portcullis report performance|time-release|mirror`: an analytics report as JSON, CSV and chart files."""

from datetime import date
from pathlib import Path
from typing import Annotated

import httpx
import typer

from portcullis.cli.service_client import ApiKey, auth_headers, fail, refusal, service_url
from portcullis.shared.auth import Role

app = typer.Typer(no_args_is_help=True)

First = Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD, UTC)", show_default=False)]
Last = Annotated[str, typer.Option("--to", help="Last day of the period, included (YYYY-MM-DD)", show_default=False)]
Out = Annotated[Path, typer.Option("--out", help="Folder the files are written to (created when missing)")]
Url = Annotated[
    str | None,
    typer.Option("--url", help="Analytics service (default: PORTCULLIS_ANALYTICS_URL or 127.0.0.1:8004)"),
]
#: What is fetched for each report: the file extension and the `format` asked for.
FILES = {"json": "json", "csv": "csv", "svg": "svg", "png": "png"}


@app.command("performance")
def performance(
    first: First,
    last: Last,
    group_by: Annotated[
        str, typer.Option("--group-by", help="lane, office, rule, model_version, watchlist, officer, week or all")
    ] = "lane",
    out: Out = Path("."),
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Inspections, hits, revenue and seizures per group; the random selection's estimate and the targeting lift."""
    _fetch("performance", first, last, {"group_by": group_by}, out, url, api_key)


@app.command("time-release")
def time_release(
    first: First,
    last: Last,
    group_by: Annotated[
        str, typer.Option("--group-by", help="lane, office, transport_mode, agency, week or all")
    ] = "lane",
    target_hours: Annotated[
        float | None, typer.Option("--target-hours", help="Release target (default: the service's, 24 h)")
    ] = None,
    out: Out = Path("."),
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Time Release Study: each stage and arrival to release, per group; the share released within the target."""
    parameters: dict[str, str] = {"group_by": group_by}
    if target_hours is not None:
        parameters["target_hours"] = str(target_hours)
    _fetch("time-release", first, last, parameters, out, url, api_key)


@app.command("mirror")
def mirror(
    first: First,
    last: Last,
    group_by: Annotated[str, typer.Option("--group-by", help="pair (HS6 x origin) or period (x partner period)")] = (
        "pair"
    ),
    out: Out = Path("."),
    url: Url = None,
    api_key: ApiKey = None,
) -> None:
    """Partners' exports to us against declared imports per HS6 x origin, ranked by an explained score."""
    _fetch("mirror", first, last, {"group_by": group_by}, out, url, api_key)


def _fetch(
    report: str, first: str, last: str, parameters: dict[str, str], out: Path, url: str | None, api_key: str | None
) -> None:
    for name, value in (("--from", first), ("--to", last)):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise fail(f"{name} {value!r} is not a date (YYYY-MM-DD)", code=2) from None
    out.mkdir(parents=True, exist_ok=True)
    base = service_url("analytics", url)
    headers = auth_headers(Role.READER, api_key)
    stem = f"{report}-{parameters['group_by']}-{first}-{last}"
    written = []
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for extension, format_name in FILES.items():
            query = {"from": first, "to": last, **parameters, "format": format_name}
            try:
                answer = client.get(f"/v1/reports/{report}", params=query)
            except httpx.HTTPError as error:
                raise fail(
                    f"{report} report failed: the analytics service at {base} did not answer ({error})"
                ) from None
            if answer.status_code != 200:
                raise fail(refusal(f"{report} report", answer, Role.READER, api_key))
            target = out / f"{stem}.{extension}"
            target.write_bytes(answer.content)
            written.append(str(target))
    typer.echo("\n".join(written))
