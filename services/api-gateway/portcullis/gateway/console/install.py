"""Wiring the console into the gateway: its routes, its own static files, its error pages, its session store."""

from collections import Counter
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from portcullis.gateway.console.analytics import router as analytics_router
from portcullis.gateway.console.pages import page, redirect, router
from portcullis.gateway.console.reviews import router as reviews_router
from portcullis.gateway.console.rulework import router as rulework_router
from portcullis.gateway.console.security import ForbiddenError, SignInRequiredError, signed_in
from portcullis.gateway.console.sessions import SessionStore
from portcullis.gateway.settings import GatewaySettings
from portcullis.shared.logging import get_logger

log = get_logger(__name__)
PREFIX = "/console"
STATIC = Path(__file__).parent / "static"


async def _sign_in_first(request: Request, _error: Exception) -> Response:
    if request.method == "GET":
        return redirect("/console/sign-in")
    return page(request, "forbidden.html", None, 403, reason="Sign in first.")


async def _forbidden(request: Request, error: Exception) -> Response:
    reason = error.reason if isinstance(error, ForbiddenError) else "forbidden"
    log.info("console_forbidden", path=request.url.path, method=request.method)
    return page(request, "forbidden.html", signed_in(request), 403, reason=reason)


def install_console(app: FastAPI, settings: GatewaySettings) -> SessionStore:
    """Serve the console under /console/ (it authenticates by itself: pass PREFIX to install_auth as open)."""
    store = SessionStore(lifetime_s=settings.console_session_hours * 3600)
    app.state.console_sessions = store
    app.state.console_alert_relays = Counter[str]()  # open relays of the analytics alert stream, per key id
    app.include_router(router)
    app.include_router(reviews_router)
    app.include_router(analytics_router)
    app.include_router(rulework_router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(SignInRequiredError, _sign_in_first)
    app.add_exception_handler(ForbiddenError, _forbidden)
    return store
