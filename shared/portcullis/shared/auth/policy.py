"""Who may call what: bearer API keys checked against a per-service policy, with per-key rate limits.

Health, readiness, metrics and the API documentation stay open (they carry no data); every other route needs
a key whose role its policy names. A route the policy does not name is refused (deny by default). A client
address that keeps presenting invalid keys is answered 429 for a while (its valid keys still work).
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fastapi import FastAPI, Response
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from portcullis.shared.apidocs import ASSET_PATHS
from portcullis.shared.auth.keys import KeyRing, Role
from portcullis.shared.http import ErrorBody, JSONBody, RouteTable
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"} | ASSET_PATHS
)


class AuthSettings(BaseSettings):
    """Authentication settings, the same for every service (env PORTCULLIS_AUTH_*)."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_AUTH_", frozen=True, extra="ignore")

    required: bool = True  # False only for feature tests that exercise something else; logged loudly
    requests_per_second: float = 200.0  # per key, sustained
    burst: int = 400  # per key, momentary
    failed_limit: int = Field(
        default=100, ge=1, description="Failed authentications a client address may make per window; then 429"
    )
    failed_window_s: float = Field(default=60.0, gt=0, description="The window of failed_limit, in seconds")


@dataclass(frozen=True)
class Grant:
    """Methods on routes under a path prefix that keys of these roles may call."""

    prefix: str
    roles: frozenset[Role]
    methods: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per key: `rate` requests a second sustained, `burst` at once."""

    rate: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def wait_seconds(self, key_id: str) -> float:
        """0 when the request may go now; otherwise how long until it may."""
        now = time.monotonic()
        bucket = self._buckets.setdefault(key_id, _Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


@dataclass
class _Failures:
    window_start: float
    count: int


@dataclass
class FailedAuthLimiter:
    """Counts failed authentications per client address in fixed windows; refuses more than `limit` per window."""

    limit: int
    window_s: float
    max_addresses: int = 100_000
    _failures: dict[str, _Failures] = field(default_factory=dict)

    def blocked_seconds(self, address: str) -> float:
        """0 when the address may still fail; otherwise how long until its window ends."""
        failures = self._failures.get(address)
        if failures is None:
            return 0.0
        left = failures.window_start + self.window_s - time.monotonic()
        if left <= 0:
            del self._failures[address]
            return 0.0
        return left if failures.count >= self.limit else 0.0

    def record_failure(self, address: str) -> None:
        """Count one failed authentication of `address`."""
        now = time.monotonic()
        failures = self._failures.get(address)
        if failures is None or now - failures.window_start >= self.window_s:
            if len(self._failures) >= self.max_addresses:
                self._forget_expired(now)
            self._failures[address] = _Failures(now, 1)
        else:
            failures.count += 1

    def _forget_expired(self, now: float) -> None:
        expired = [address for address, f in self._failures.items() if now - f.window_start >= self.window_s]
        # None expired (a flood of addresses): forget the oldest tenth, so memory stays bounded.
        for address in expired or list(self._failures)[: self.max_addresses // 10]:
            del self._failures[address]


def _deny(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    return JSONBody(ErrorBody(detail=reason).model_dump(), status_code=status, headers=headers)


class KeyCheck:
    """The check itself, as plain ASGI middleware (no per-request task group)."""

    def __init__(
        self,
        app: ASGIApp,
        service: str,
        grants: list[Grant],
        keyring: Callable[[], KeyRing],
        settings: AuthSettings,
        routes: RouteTable,
        open_prefixes: tuple[str, ...] = (),
    ) -> None:
        self._app = app
        self._open_prefixes = open_prefixes
        self._service = service
        self._grants = grants
        self._keyring = keyring
        self._settings = settings
        self._routes = routes
        self._limiter = RateLimiter(settings.requests_per_second, settings.burst)
        self._failed = FailedAuthLimiter(settings.failed_limit, settings.failed_window_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self._settings.required
            or path in OPEN_PATHS
            or path.startswith(self._open_prefixes)
        ):
            await self._app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        method, path = scope["method"], scope["path"]
        headers = Headers(scope=scope).getlist("authorization")
        # Two Authorization headers could name two keys, each component picking another: refuse them both.
        scheme, _, token = headers[0].partition(" ") if len(headers) == 1 else ("", "", "")
        record = self._keyring().verify(token.strip()) if scheme.lower() == "bearer" else None
        if record is None:
            return self._unauthenticated(scope, len(headers))
        template = self._routes.template_for(method, path)
        if template is not None:  # no such route: the app answers 404 or 405, and only to a valid key
            grant = next((g for g in self._grants if template.startswith(g.prefix) and method in g.methods), None)
            if grant is None or record.role not in grant.roles:
                log.info("access_denied", service=self._service, key_id=record.key_id, role=record.role, route=template)
                return _deny(403, f"a key of role {record.role.value} may not {method} {template}")
            wait = self._limiter.wait_seconds(record.key_id)
            if wait > 0:
                return _deny(429, "rate limit exceeded", {"Retry-After": str(max(1, math.ceil(wait)))})
        scope.setdefault("state", {})["api_key"] = record
        return None

    def _unauthenticated(self, scope: Scope, header_count: int) -> Response:
        address = scope["client"][0] if scope.get("client") else "unknown"
        blocked = self._failed.blocked_seconds(address)
        if blocked > 0:
            return _deny(429, "too many failed authentications", {"Retry-After": str(max(1, math.ceil(blocked)))})
        self._failed.record_failure(address)
        if self._failed.blocked_seconds(address) > 0:
            log.warning("failed_authentications_limited", service=self._service, limit=self._failed.limit)
        reason = (
            "send exactly one Authorization header"
            if header_count > 1
            else "a valid API key is required (Authorization: Bearer <key>)"
        )
        return _deny(401, reason, {"WWW-Authenticate": 'Bearer realm="portcullis"'})


def install_auth(
    app: FastAPI,
    service: str,
    grants: Sequence[Grant],
    keyring: Callable[[], KeyRing],
    settings: AuthSettings,
    open_prefixes: Sequence[str] = (),
) -> None:
    """Require a key of the right role on every route but the open ones; document it in the OpenAPI.

    Paths under `open_prefixes` authenticate by themselves (the gateway's web console: a session cookie exchanged
    for a key, checked against the same key ring on every request). Call it before `install_common`, so that
    request metrics also count the refused requests.
    """
    if not settings.required:
        log.warning("authentication_disabled", service=service)

    app.add_middleware(
        KeyCheck,
        service=service,
        grants=list(grants),
        keyring=keyring,
        settings=settings,
        routes=RouteTable(app),
        open_prefixes=tuple(open_prefixes),
    )
    _document(app, grants)


def _document(app: FastAPI, grants: Sequence[Grant]) -> None:
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["apiKey"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer pck_<id>_<secret>`",
        }
        for path, operations in schema.get("paths", {}).items():
            if path in OPEN_PATHS:
                continue
            for method, operation in operations.items():
                grant = next((g for g in grants if path.startswith(g.prefix) and method.upper() in g.methods), None)
                operation["security"] = [{"apiKey": []}]
                roles = ", ".join(sorted(r.value for r in grant.roles)) if grant else "none"
                operation["description"] = (operation.get("description") or "") + f"\n\nRoles: {roles}."
                operation.setdefault("responses", {}).update(
                    {
                        "401": {"description": "No valid API key", "content": _error_content()},
                        "403": {"description": "The key's role may not do this", "content": _error_content()},
                        "429": {"description": "Rate limit exceeded; see Retry-After", "content": _error_content()},
                    }
                )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _error_content() -> dict[str, object]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
