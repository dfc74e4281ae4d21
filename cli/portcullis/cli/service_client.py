"""What every command that calls a service shares: which API key it sends, and how a refusal reads.

The key is `--api-key`, else PORTCULLIS_API_KEY, else (local development) the key of the command's role in the run
folder's `dev-keys.env`, which `make up` writes. Exit codes: 0 done, 1 refused or failed, 2 wrong usage.
"""

import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

from portcullis.cli.paths import run_dir
from portcullis.shared.auth import Role

EXIT_FAILED = 1
EXIT_USAGE = 2

ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="API key to send (default: PORTCULLIS_API_KEY, else the role's key in the run folder's dev-keys.env)",
        show_default=False,
    ),
]


_PORTS = {"ingest": 8001, "watchlist": 8003, "gateway": 8000, "analytics": 8004}


def service_url(service: str, given: str | None = None) -> str:
    """A service's base URL: the option, else PORTCULLIS_<SERVICE>_URL, else 127.0.0.1 on the port `make up` uses
    (PORTCULLIS_<SERVICE>_PORT, as `portcullis dev up` reads it)."""
    if given:
        return given.rstrip("/")
    variable = service.upper()
    configured = os.environ.get(f"PORTCULLIS_{variable}_URL")
    if configured:
        return configured.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get(f'PORTCULLIS_{variable}_PORT', _PORTS[service])}"


def dev_keys_file() -> Path:
    """The development keys `make up` writes (PORTCULLIS_<ROLE>_KEY=... lines)."""
    return run_dir() / "dev-keys.env"


def resolve_api_key(role: Role, explicit: str | None = None) -> str | None:
    """The key to send for a call that needs `role`, or None when there is none anywhere."""
    if explicit:
        return explicit
    from_environment = os.environ.get("PORTCULLIS_API_KEY")
    if from_environment:
        return from_environment
    try:
        lines = dev_keys_file().read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    wanted = f"PORTCULLIS_{role.name}_KEY"
    for line in lines:
        name, _, value = line.partition("=")
        if name.strip().removeprefix("export ").strip() == wanted and value.strip():
            return value.strip().strip("'\"")
    return None


def auth_headers(role: Role, explicit: str | None = None) -> dict[str, str]:
    """The Authorization header for a call that needs `role` (empty when no key is known)."""
    key = resolve_api_key(role, explicit)
    return {"Authorization": f"Bearer {key}"} if key else {}


def reason(response: httpx.Response) -> str:
    """The service's reason for an answer, on one line (`detail` of the error body, else the start of the text)."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):
        parts = [
            f"{item.get('field', '?')}: {item.get('reason', '?')}" if isinstance(item, dict) else str(item)
            for item in detail
        ]
        text = "; ".join(parts)
    elif detail is not None:
        text = str(detail)
    else:
        text = response.text or response.reason_phrase
    return " ".join(text.split())[:500]


def refusal(what: str, response: httpx.Response, role: Role, explicit: str | None = None) -> str:
    """One line saying what was refused, with the status, the reason and, for a key problem, what to do."""
    line = f"{what} refused ({response.status_code}): {reason(response)}"
    if response.status_code == 401 and resolve_api_key(role, explicit) is None:
        line += f"; no API key: give --api-key, set PORTCULLIS_API_KEY, or run `make up` (writes {dev_keys_file()})"
    elif response.status_code == 403:
        line += f"; this call needs a key of role {role.value}"
    return line


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print the message to stderr; the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)
