"""Running a service's FastAPI app with uvicorn (each service's `__main__` calls this)."""

import asyncio
import socket
import sys
from collections.abc import Callable
from typing import Protocol, TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic_settings import BaseSettings
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from portcullis.shared.environment import DefaultSecretError, EnvironmentSettings, refuse_default_secrets
from portcullis.shared.http import HttpSettings
from portcullis.shared.logging import configure_logging, get_logger
from portcullis.shared.memory import freeze_long_lived

log = get_logger(__name__)


class ServiceSettings(Protocol):
    """What `serve` needs from a service's settings."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def log_level(self) -> str: ...


Settings = TypeVar("Settings", bound=ServiceSettings)


def serve(create_app: Callable[[Settings], FastAPI], settings: Settings) -> None:
    """Configure logging and serve the app until SIGTERM or SIGINT (uvicorn runs the lifespan's shutdown).

    In production (PORTCULLIS_ENVIRONMENT) a default, empty or placeholder secret stops the start, naming the
    variable to set.
    """
    configure_logging(settings.log_level)
    environment = EnvironmentSettings().environment
    if isinstance(settings, BaseSettings):
        try:
            refuse_default_secrets(settings, environment)
        except DefaultSecretError as error:
            log.error("default_secrets_refused", environment=environment.value, variables=error.variables)
            sys.exit(str(error))
    http = HttpSettings()
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
        http=guarded_protocol(http.header_timeout_s, http.body_timeout_s),
    )
    _Server(config).run()


class _Server(uvicorn.Server):
    """uvicorn's server, freezing what start-up allocated once the app has started."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Modules, the app, clients and their caches live as long as the process. Moved out of the collector's
        # generations, they are not traversed by the full collections that request and batch garbage triggers now
        # and then in a long run: with them, a full collection took 14-87 ms (traced at start-up), a pause of
        # every batch and request in flight.
        freeze_long_lived()


_TIMEOUT_BODY = b'{"detail":"the request did not arrive in time"}'
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(_TIMEOUT_BODY)}\r\nconnection: close\r\n\r\n".encode()
    + _TIMEOUT_BODY
)


class _GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with deadlines for a request's headers and for its body.

    uvicorn bounds only the idle time between requests (keep-alive): a client sending a header line every few
    seconds, or a body a byte at a time, would hold its connection (and a file descriptor, and for a body the
    request's task) for as long as it likes. Responses are not bounded: the live stream stays open. It hooks the
    parser callbacks of uvicorn's httptools protocol (uvicorn is pinned; tests/unit/shared/test_slow_clients.py
    runs a real server and would notice a change).
    """

    header_timeout_s = 10.0
    body_timeout_s = 60.0

    linger_s = 2.0

    _deadline: asyncio.TimerHandle | None = None
    _reading_body = False
    _lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s)  # a connection that sends nothing counts too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:  # the 408 is on its way out: what the client still sends is dropped, not parsed
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the next request on a kept-alive connection: its first byte starts the clock
            self._arm(self.header_timeout_s)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._reading_body = True
        self._arm(self.body_timeout_s)

    def on_message_complete(self) -> None:
        self._disarm()
        self._reading_body = False
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info("request_timed_out", phase="body" if self._reading_body else "headers")
        if self._reading_body or not (self.cycle is None or self.cycle.response_complete):
            # With the body incomplete the app is running: it sees the client disconnected and answers nothing.
            self.transport.close()
            return
        # A lingering close: the 408 and a FIN go out, what the client still sends is read and dropped for a
        # moment. Closed at once, a socket with unread input answers the client's next line with a reset, and a
        # reset makes the client's kernel discard the 408 it had not read yet (the client sees only "reset").
        self.transport.write(REQUEST_TIMEOUT)
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.linger_s, self.transport.close)


def guarded_protocol(header_timeout_s: float, body_timeout_s: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol closing connections whose request headers or body are late."""
    return type(
        "GuardedHttpProtocol",
        (_GuardedHttpTools,),
        {"header_timeout_s": header_timeout_s, "body_timeout_s": body_timeout_s},
    )
