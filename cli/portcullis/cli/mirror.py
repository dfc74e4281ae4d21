"""`portcullis mirror import --format comtrade FILE`: partner countries' trade statistics into the analytics service."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer

from portcullis.cli.service_client import ApiKey, auth_headers, fail, refusal, service_url
from portcullis.shared.auth import Role

app = typer.Typer(no_args_is_help=True)


class MirrorFormat(StrEnum):
    """Layouts of partner statistics the analytics service reads."""

    COMTRADE = "comtrade"


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A UN Comtrade CSV file (API/download or legacy bulk columns)")],
    format: Annotated[MirrorFormat, typer.Option("--format", help="The file's layout")] = MirrorFormat.COMTRADE,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Analytics service (default: PORTCULLIS_ANALYTICS_URL or 127.0.0.1:8004)"),
    ] = None,
    api_key: ApiKey = None,
) -> None:
    """Validate the whole file (a bad line is named with its field and reason, and nothing is loaded), then load it;
    importing the same file again changes nothing."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror}", code=2) from None
    base = service_url("analytics", url)
    headers = {**auth_headers(Role.ANALYST, api_key), "content-type": "text/csv"}
    try:
        answer = httpx.post(f"{base}/v1/mirror/{format.value}", content=content, headers=headers, timeout=300)
    except httpx.HTTPError as error:
        raise fail(f"mirror import failed: the analytics service at {base} did not answer ({error})") from None
    if answer.status_code == 422:
        try:
            errors = answer.json().get("detail", [])
        except ValueError:
            errors = []
        lines = [
            f"line {e.get('line', '?')}, {e.get('field')}: {e.get('reason')}" for e in errors if isinstance(e, dict)
        ]
        raise fail("\n".join([f"{file}: refused, nothing loaded", *lines]))
    if answer.status_code != 200:
        raise fail(refusal("mirror import", answer, Role.ANALYST, api_key))
    body = answer.json()
    published = body.get("gaps_version")
    gaps = f"; gap table {published} ({body.get('gap_pairs', 0)} pairs) published to scoring" if published else ""
    typer.echo(
        f"{format.value}: {body['records']} records; added {body['added']}, changed {body['changed']}, "
        f"unchanged {body['unchanged']}; {body['stored']} stored{gaps}"
    )
