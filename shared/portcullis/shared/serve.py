"""Running a service's FastAPI app with uvicorn (each service's `__main__` calls this)."""

import socket
from collections.abc import Callable
from typing import Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

from portcullis.shared.logging import configure_logging
from portcullis.shared.memory import freeze_long_lived


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
    """Configure logging and serve the app until SIGTERM or SIGINT (uvicorn runs the lifespan's shutdown)."""
    configure_logging(settings.log_level)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
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
