"""Running a service's FastAPI app with uvicorn (each service's `__main__` calls this)."""

from collections.abc import Callable
from typing import Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

from portcullis.shared.logging import configure_logging


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
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
