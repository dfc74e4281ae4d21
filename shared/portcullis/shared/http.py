"""HTTP pieces every service shares: error format, request metrics, health and metrics routes."""

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

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

    @app.middleware("http")
    async def _record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = route_template(request)
        HTTP_REQUESTS.labels(service, route, request.method, str(response.status_code)).inc()
        HTTP_LATENCY.labels(service, route, request.method).observe(time.perf_counter() - started)
        return response

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


def route_template(request: Request) -> str:
    """The template of the route that served a request (`/v1/decisions/{subject_id}`), or `unmatched`."""
    # Label by route template, never by raw path: raw paths carry ids and would explode cardinality.
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


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
