"""HTTP pieces every service shares: error format, request metrics, CORS, body limits, strict JSON, health and
metrics routes."""

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import fastapi
import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portcullis.shared.apidocs import install_api_docs
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


class HttpSettings(BaseSettings):
    """HTTP settings every service shares (env PORTCULLIS_*): which browser origins may call the API."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_", frozen=True, extra="ignore")

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) whose browser pages may call the API; none by default. "
        "Comma-separated or a JSON list; `*` allows any origin.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return orjson.loads(text)
            return [origin.strip().rstrip("/") for origin in text.split(",") if origin.strip()]
        return value

    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="A connection that has not sent a request's complete headers this long after it opened (or "
        "after the request's first byte) is closed, with 408 Request Timeout",
    )
    body_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="A request whose body has not fully arrived this long after its headers is cut off",
    )


#: FastAPI's detail of a body it could not decode at all.
UNPARSEABLE_BODY = "There was an error parsing the body"

#: Headers a browser client may send and read across origins.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Last-Event-ID", "X-Portcullis-User")
CORS_EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate")


def install_common(
    app: FastAPI,
    service: str,
    ready: Callable[[], Awaitable[dict[str, bool]]],
    http: HttpSettings | None = None,
    body_limit: "BodyLimit | None" = None,
    strict_json: bool = True,
) -> None:
    """Add the error format, request metrics, CORS (only when configured), a body size limit (when given),
    strict JSON bodies (unless the service parses its bodies with `loads_strict` itself), /healthz, /readyz and
    /metrics to a service.

    Call it after `install_auth`: CORS then answers preflight requests (which carry no key) before the key check.
    """
    http = http or HttpSettings()

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(_: Request, error: RequestValidationError) -> Response:
        # FastAPI prefixes locations with "body", "query" or "path"; the rest names the field.
        return validation_error_response(error, drop_prefix=1)

    @app.exception_handler(HTTPException)
    async def _on_http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 400 and error.detail == UNPARSEABLE_BODY:
            # FastAPI's answer to a body that is not even text (not UTF-8): invalid input like any other, 422.
            body = ErrorBody(detail=[FieldError(field="body", reason="not valid JSON (UTF-8 expected)")])
            return JSONBody(body.model_dump(), status_code=422)
        return await http_exception_handler(request, error)

    if strict_json:
        app.add_middleware(StrictJSON)  # inside the body limit: only bodies under the limit are parsed
    if body_limit is not None:
        app.add_middleware(BodySizeLimit, limit=body_limit)
    _document_errors(app, body_limit)
    app.add_middleware(RequestMetrics, service=service)
    if http.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=http.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            allow_credentials=False,  # keys travel in the Authorization header, never in cookies
            max_age=600,
        )

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
    install_api_docs(app)  # /docs and /redoc without a CDN


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


class BodyLimit(BaseModel):
    """The largest request body a service takes, in bytes, with larger limits under some path prefixes."""

    model_config = {"frozen": True}

    default_bytes: int = Field(gt=0)
    by_prefix: Mapping[str, int] = Field(default_factory=dict)

    def for_path(self, path: str) -> int:
        """The limit of a request path (the longest matching prefix wins)."""
        matches = [prefix for prefix in self.by_prefix if path.startswith(prefix)]
        return self.by_prefix[max(matches, key=len)] if matches else self.default_bytes


def _too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit} bytes"


class BodySizeLimit:
    """Refuses bodies over the limit with 413 in the common error format (plain ASGI).

    A declared Content-Length over the limit is refused before anything is read; a chunked body is counted as it
    is read, and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: BodyLimit) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self._app(scope, receive, send)
            return
        limit = self._limit.for_path(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await JSONBody(ErrorBody(detail=_too_large(limit)).model_dump(), status_code=413)(scope, receive, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the app's body read: its HTTPException handler answers 413 {"detail": ...}.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self._app(scope, counting, send)


_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def _document_errors(app: FastAPI, limit: BodyLimit | None) -> None:
    """Make the OpenAPI document say what the errors really look like: 422 (and 413) in the ErrorBody format."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.get("responses", {})
                invalid = responses.get("422")
                if invalid is not None:
                    # FastAPI documents its own HTTPValidationError; the services answer in the common format.
                    invalid["content"] = _ERROR_CONTENT
                    if invalid.get("description") == "Validation Error":
                        invalid["description"] = "A parameter or field is invalid: `detail` names each one"
                if limit is not None and "requestBody" in operation:
                    operation.setdefault("responses", {}).setdefault(
                        "413",
                        {
                            "description": f"The body is over the size limit ({limit.for_path(path)} bytes)",
                            "content": _ERROR_CONTENT,
                        },
                    )
        register_error_schema(schema)
        components = schema["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def register_error_schema(schema: dict[str, Any]) -> None:
    """Put ErrorBody (and FieldError) into an OpenAPI document's components, for responses that refer to it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    definition = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, nested in definition.pop("$defs", {}).items():
        components.setdefault(name, nested)
    components.setdefault("ErrorBody", definition)


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice (which of the two values counts is up to each parser)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(f"invalid JSON: the key {key!r} appears twice in one object")
            seen.add(key)
    return document


def loads_strict(body: bytes | str) -> Any:
    """Parse JSON, refusing an object with a key twice (DuplicateKeyError) and NaN or Infinity (ValueError)."""
    return json.loads(body, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON: {name} is not a JSON number")


def _is_json(scope: Scope) -> bool:
    content_type = Headers(scope=scope).get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class StrictJSON:
    """Refuses JSON bodies with a key twice in one object with 422, before the app reads them (plain ASGI).

    FastAPI's parser keeps the last of two values and a validating proxy in front may keep the first: the same
    body would then mean different things to each. The body is checked once it has fully arrived.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or not _is_json(scope):
            await self._app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checking() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    _refuse_duplicate_keys(b"".join(chunks))
                    chunks.clear()
            return message

        await self._app(scope, checking, send)


def _refuse_duplicate_keys(body: bytes) -> None:
    try:
        loads_strict(body)
    except DuplicateKeyError as error:
        # Raised inside the app's body read: its HTTPException handler answers in the common format.
        detail = [FieldError(field="body", reason=str(error)).model_dump()]
        raise fastapi.HTTPException(422, detail) from error
    except ValueError:
        pass  # not JSON at all (or NaN): the app's own parsing says what is wrong


def in_utc_range(moment: datetime | None) -> datetime | None:
    """A time that can be converted to UTC (a zone of +14:00 on 1 January of year 1 cannot), else ValueError."""
    if moment is not None and moment.tzinfo is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError as error:
            raise ValueError("out of range: the time in UTC must lie between the years 1 and 9999") from error
    return moment
