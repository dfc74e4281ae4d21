"""`portcullis watchlist refresh`: read a new version of a named list from a URL or folder and apply it."""

import getpass
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from portcullis.cli.progress import working
from portcullis.cli.service_client import ApiKey, auth_headers, fail, refusal, service_url
from portcullis.shared.auth import Role


def _source(base: str, name: str, headers: dict[str, str], api_key: str | None) -> dict[str, Any]:
    """The service's description of the source: which files a version consists of."""
    try:
        response = httpx.get(f"{base}/v1/watchlist/sources", headers=headers, timeout=30)
    except httpx.HTTPError as error:
        raise fail(f"refresh failed: could not reach the watchlist service at {base}: {error}") from error
    if response.status_code != 200:
        raise fail(refusal("refresh", response, Role.ANALYST, api_key))
    sources: dict[str, dict[str, Any]] = {source["name"]: source for source in response.json()}
    if name not in sources:
        raise fail(f"no list source {name!r}; the sources are {', '.join(sources)}", code=2)
    return sources[name]


def _text(content: bytes, where: str) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(f"cannot read {where}: not UTF-8 text (byte {error.start})") from error
    # Universal newlines, as `portcullis watchlist import` reads files: the same list gives the same content hash.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _from_url(origin: str, files: list[str], required: list[str], timeout_s: float) -> dict[str, str]:
    # One file: the URL is the file; several (OFAC's sdn.csv and alt.csv): the URL is their folder.
    urls = {files[0]: origin} if len(files) == 1 else {name: f"{origin.rstrip('/')}/{name}" for name in files}
    read: dict[str, str] = {}
    with httpx.Client(timeout=timeout_s, follow_redirects=True) as client:
        for name, url in urls.items():
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                raise fail(f"cannot read {url}: {error}") from error
            if response.status_code == 404 and name not in required:
                continue
            if response.status_code != 200:
                raise fail(f"cannot read {url}: HTTP {response.status_code}")
            read[name] = _text(response.content, url)
    return read


def _from_path(origin: Path, files: list[str], required: list[str]) -> dict[str, str]:
    if origin.is_file() and len(files) == 1:
        return {files[0]: _text(origin.read_bytes(), str(origin))}
    if not origin.is_dir():
        raise fail(f"cannot read {origin}: no such file or folder", code=2)
    missing = [name for name in required if not (origin / name).is_file()]
    if missing:
        raise fail(f"{origin} lacks {', '.join(missing)} (a version of this list consists of {', '.join(files)})")
    present = [origin / name for name in files if (origin / name).is_file()]
    return {path.name: _text(path.read_bytes(), str(path)) for path in present}


def refresh_command(
    source: Annotated[str, typer.Option("--source", help="The list: ofac-sdn, un-sc, eu-fsf, uk-sanctions, …")],
    origin: Annotated[
        str,
        typer.Option(
            "--from",
            help="Where the new version is: a URL (the file; for ofac-sdn the folder of sdn.csv and alt.csv), a "
            "folder holding the source's files, or for a one-file list the file itself",
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            help="The watchlist service's base URL (default: PORTCULLIS_WATCHLIST_URL, else http://127.0.0.1:8003)",
            show_default=False,
        ),
    ] = None,
    user: Annotated[str | None, typer.Option(help="Recorded as who made the change (default: your login name)")] = None,
    lane: Annotated[str, typer.Option(help="Lane a hit forces: red or yellow")] = "red",
    timeout_s: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the list and the service")] = 300.0,
    api_key: ApiKey = None,
) -> None:
    """Apply a new version of a named list: additions, changes and removals; the same content changes nothing."""
    base = service_url("watchlist", url)
    who = user or os.environ.get("PORTCULLIS_USER") or getpass.getuser()
    headers = {"X-Portcullis-User": who, **auth_headers(Role.ANALYST, api_key)}
    described = _source(base, source, headers, api_key)
    files, required = described["files"], described["required_files"]
    if origin.startswith(("http://", "https://")):
        with working(f"reading {origin}"):
            read = _from_url(origin, files, required, timeout_s)
    else:
        read = _from_path(Path(origin), files, required)
    body = {"files": read, "origin": origin, "action": {"lane": lane}}
    try:
        with working(f"applying {source} from {origin}"):
            response = httpx.post(
                f"{base}/v1/watchlist/sources/{source}/refresh", json=body, headers=headers, timeout=timeout_s
            )
    except httpx.HTTPError as error:
        raise fail(f"refresh failed: could not reach the watchlist service at {base}: {error}") from error
    if response.status_code != 200:
        raise fail(refusal("refresh", response, Role.ANALYST, api_key))
    result = response.json()
    state = "new version" if result["new_version"] else "unchanged"
    typer.echo(
        f"{result['list_name']} ({source}) {result['version']}, {state}: {result['parties']} parties; "
        f"added {result['added']}, changed {result['changed']}, removed {result['removed']}, "
        f"unchanged {result['unchanged']}"
    )
    for kind in ("added", "changed", "removed"):
        ids = result["diff"][kind]
        if ids:
            shown = ", ".join(ids[:10]) + (f" … ({len(ids)})" if len(ids) > 10 else "")
            typer.echo(f"  {kind}: {shown}")
    if result.get("rejected"):
        typer.echo(f"rejected {result['rejected']} parties (kept as stored):", err=True)
        for rejection in result.get("rejections", [])[:20]:
            typer.echo(f"  {rejection['entry_id']}: {rejection['field']}: {rejection['reason']}", err=True)
