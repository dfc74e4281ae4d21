"""The console's guards: who is signed in, which roles a page admits, CSRF on every form, safe response headers."""

from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import parse_qsl

from fastapi import Request, Response

from portcullis.gateway.console.sessions import ConsoleSession, SessionStore, same_token
from portcullis.shared.auth import KeyRing, Role

ResponseT = TypeVar("ResponseT", bound=Response)
SESSION_COOKIE = "portcullis_console"
SIGN_IN_COOKIE = "portcullis_console_sign_in"
#: The most a console form may send (the longest is an outcome with 2,000 characters of notes).
MAX_FORM_BYTES = 16 * 1024
#: Everything a page loads comes from the gateway itself: no CDN, no inline script, no framing.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send `Origin: null` on our own forms
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SignInRequiredError(Exception):
    """No session (or an expired one, or its key was revoked): the page sends the browser to sign in."""


class ForbiddenError(Exception):
    """The session's role may not see this page or do this; or a form came without the session's CSRF token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sessions_of(request: Request) -> SessionStore:
    """The process's console sessions."""
    store: SessionStore = request.app.state.console_sessions
    return store


def signed_in(request: Request) -> ConsoleSession | None:
    """The request's session, if its key is still valid."""
    session = sessions_of(request).get(request.cookies.get(SESSION_COOKIE))
    keyring: KeyRing = request.app.state.keyring
    if session is None or keyring.get(session.record.key_id) is None:
        return None
    return session


def require(request: Request, roles: Iterable[Role]) -> ConsoleSession:
    """The session, when its role is one of `roles`; else sign in, or 403."""
    session = signed_in(request)
    if session is None:
        raise SignInRequiredError
    allowed = frozenset(roles)
    if session.role not in allowed:
        raise ForbiddenError(f"a {session.role.value} key may not use this page")
    request.state.api_key = session.record  # what the shared services record as "who"
    return session


async def form_of(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the first value of each), at most MAX_FORM_BYTES."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ForbiddenError("the form is too large")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # a browser that hides the origin ("null") is refused; a non-browser sends none
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def checked_form(request: Request, session: ConsoleSession) -> dict[str, str]:
    """The form, when it carries the session's CSRF token and comes from this origin; else ForbiddenError."""
    form = await form_of(request)
    if not _same_origin(request) or not same_token(session.csrf_token, form.get("csrf_token")):
        raise ForbiddenError("the form's security token is missing or out of date: reload the page and try again")
    return form


def secure_cookies(request: Request) -> bool:
    """Whether cookies are marked Secure: as configured, else when the request came over HTTPS."""
    configured: bool | None = request.app.state.settings.console_secure_cookie
    return configured if configured is not None else request.url.scheme == "https"


def harden(response: ResponseT) -> ResponseT:
    """The console's security headers on a response."""
    response.headers.update(HEADERS)
    return response
