"""HTTP pieces every service shares: error format, request metrics, health and metrics routes."""

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.routing import Match

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
        route = _route_template(app, request)
        response = await call_next(request)
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


def _route_template(app: FastAPI, request: Request) -> str:
    # Label by route template, never by raw path: raw paths carry ids and would explode cardinality.
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"
