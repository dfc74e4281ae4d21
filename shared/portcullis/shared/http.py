"""HTTP pieces every service shares: error format, request metrics, health and metrics routes."""

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portcullis.shared.metrics import HTTP_LATENCY, HTTP_REQUESTS, metrics_payload


class JSONBody(Response):
    """A JSON response rendered with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class FieldError(BaseModel):
    """One problem with the input: where it is and what is wrong."""

    field: str
    reason: str


class ErrorBody(BaseModel):
    """The body of every 4xx answer."""

    detail: list[FieldError] | str


def field_errors(errors: Sequence[Any], drop_prefix: int = 0) -> list[FieldError]:
    """Turn pydantic's error list into (field, reason) pairs with dotted paths such as `items.0.net_mass_kg`."""
    result = []
    for error in errors:
        location = [str(part) for part in error["loc"][drop_prefix:]]
        reason = str(error["msg"]).removeprefix("Value error, ")
        result.append(FieldError(field=".".join(location) or "body", reason=reason))
    return result


def validation_error_response(error: ValidationError | RequestValidationError, drop_prefix: int = 0) -> Response:
    """A 422 answer naming every bad field."""
    body = ErrorBody(detail=field_errors(error.errors(), drop_prefix))
    return JSONBody(body.model_dump(), status_code=422)


def install_common(app: FastAPI, service: str, ready: Callable[[], Awaitable[dict[str, bool]]]) -> None:
    """Add the error format, request metrics, /healthz, /readyz and /metrics to a service."""

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(_: Request, error: RequestValidationError) -> Response:
        # FastAPI prefixes locations with "body", "query" or "path"; the rest names the field.
        return validation_error_response(error, drop_prefix=1)

    app.add_middleware(RequestMetrics, service=service)

    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: every dependency answers", responses={503: {"model": dict[str, Any]}})
    async def readyz() -> Response:
        checks = await ready()
        status = 200 if all(checks.values()) else 503
        return JSONBody({"ready": status == 200, "checks": checks}, status_code=status)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        payload, content_type = metrics_payload()
        return Response(payload, media_type=content_type)

    app.include_router(router)


class RequestMetrics:
    """Counts requests and their latency per route template (plain ASGI: no per-request task group)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self._app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            # Routing records the matched route in the scope; raw paths would carry ids into the labels.
            route = str(getattr(scope.get("route"), "path", "unmatched"))
            HTTP_REQUESTS.labels(self._service, route, scope["method"], str(status)).inc()
            HTTP_LATENCY.labels(self._service, route, scope["method"]).observe(time.perf_counter() - started)


class RouteTable:
    """Finds the route template of a request before routing, from the app's OpenAPI paths (public API only)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._table: list[tuple[re.Pattern[str], str, frozenset[str]]] | None = None

    def _build(self) -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
        table = []
        for template, operations in self._app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\{[^}:]+:path\\}", ".+", re.escape(template))
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", pattern)
            table.append((re.compile(f"^{pattern}$"), template, frozenset(m.upper() for m in operations)))
        # Literal segments beat parameters: `/v1/decisions/stream` before `/v1/decisions/{subject_id}`.
        table.sort(key=lambda row: (row[1].count("{"), -len(row[1])))
        return table

    def template_for(self, method: str, path: str) -> str | None:
        """The template that `method path` would be routed to, or None."""
        if self._table is None:
            self._table = self._build()
        for pattern, template, methods in self._table:
            if method in methods and pattern.match(path):
                return template
        for pattern, template, _ in self._table:
            if pattern.match(path):
                return template
        return None
