"""`portcullis watchlist import`: send a sanctions list export to the watchlist service, which applies the changes."""

import getpass
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer

from portcullis.cli.progress import working
from portcullis.cli.service_client import ApiKey, auth_headers, fail, refusal, service_url
from portcullis.shared.auth import Role


class ListFormat(StrEnum):
    """The list formats the watchlist service imports."""

    OFAC_SDN = "ofac-sdn"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise fail(f"cannot read {path}: not UTF-8 text (byte {error.start})") from error
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror}") from error


def import_command(
    directory: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, readable=True, help="Folder with sdn.csv and alt.csv"),
    ],
    list_format: Annotated[ListFormat, typer.Option("--format", help="Layout of the files")] = ListFormat.OFAC_SDN,
    url: Annotated[
        str | None,
        typer.Option(
            help="The watchlist service's base URL (default: PORTCULLIS_WATCHLIST_URL, else http://127.0.0.1:8003 "
            "or PORTCULLIS_WATCHLIST_PORT)",
            show_default=False,
        ),
    ] = None,
    user: Annotated[str | None, typer.Option(help="Recorded as who made the change (default: your login name)")] = None,
    lane: Annotated[str, typer.Option(help="Lane a hit forces: red or yellow")] = "red",
    timeout_s: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the service")] = 300.0,
    api_key: ApiKey = None,
) -> None:
    """Import a list export; additions, changes and removals are applied, unchanged data changes nothing."""
    sdn = directory / "sdn.csv"
    if not sdn.is_file():
        raise typer.BadParameter(f"{sdn} is missing", param_hint="DIRECTORY")
    alt = directory / "alt.csv"
    body = {
        "sdn_csv": _read_text(sdn),
        "alt_csv": _read_text(alt) if alt.is_file() else "",
        "action": {"lane": lane},
    }
    who = user or os.environ.get("PORTCULLIS_USER") or getpass.getuser()
    base = service_url("watchlist", url)
    endpoint = f"{base}/v1/watchlist/imports/{list_format.value}"
    headers = {"X-Portcullis-User": who, **auth_headers(Role.ANALYST, api_key)}
    try:
        with working(f"importing {directory} ({list_format.value}) into the watchlist service"):
            response = httpx.post(endpoint, json=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as error:
        raise fail(f"import failed: could not reach the watchlist service at {base}: {error}") from error
    if response.status_code != 200:
        raise fail(refusal("import", response, Role.ANALYST, api_key))
    result = response.json()
    typer.echo(
        f"{result['list_name']}: {result['parties']} parties, {result['aliases']} aliases; "
        f"added {result['added']}, changed {result['changed']}, removed {result['removed']}, "
        f"unchanged {result['unchanged']}"
    )
    if result.get("rejected"):
        typer.echo(f"rejected {result['rejected']} parties (kept as stored):", err=True)
        for rejection in result.get("rejections", [])[:20]:
            typer.echo(f"  {rejection['entry_id']}: {rejection['field']}: {rejection['reason']}", err=True)
