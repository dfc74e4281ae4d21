"""Request dependencies shared by the domains: settings, session factory, broadcaster, publisher, errors.

The dependencies are `async def` although they do not await: FastAPI runs plain `def` ones in a worker thread.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from pydantic import AfterValidator
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import SessionDep
from portcullis.gateway.decisions.live import Broadcaster
from portcullis.gateway.settings import GatewaySettings
from portcullis.shared.http import ErrorBody, in_utc_range
from portcullis.shared.kafka import Publisher


async def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


async def _broadcaster(request: Request) -> Broadcaster:
    broadcaster: Broadcaster = request.app.state.broadcaster
    return broadcaster


async def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
BroadcasterDep = Annotated[Broadcaster, Depends(_broadcaster)]
PublisherDep = Annotated[Publisher, Depends(_publisher)]

#: OpenAPI description of a 422 answer in the common error format.
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "A parameter or field is invalid: `detail` names each one"}
}


def unprocessable(field: str, reason: str) -> HTTPException:
    """A 422 naming one field, in the common error format."""
    return HTTPException(422, detail=[{"field": field, "reason": reason}])


#: The `decided_at` window of the statistics and the feedback export.
DecidedFrom = Annotated[
    datetime | None, Query(description="Decided at or after (ISO 8601 with zone)"), AfterValidator(in_utc_range)
]
DecidedTo = Annotated[
    datetime | None, Query(description="Decided before (ISO 8601 with zone)"), AfterValidator(in_utc_range)
]


def check_decided_window(decided_from: datetime | None, decided_to: datetime | None) -> None:
    """Refuse (422 naming the parameter) a time without a zone, or a window that ends before it starts."""
    for name, moment in (("decided_from", decided_from), ("decided_to", decided_to)):
        if moment is not None and moment.tzinfo is None:
            raise unprocessable(name, "give a time zone (for example 2026-11-25T12:00:00Z)")
    if decided_from and decided_to and decided_to <= decided_from:
        raise unprocessable("decided_to", "must be after decided_from")


__all__ = [
    "INVALID",
    "BroadcasterDep",
    "DecidedFrom",
    "DecidedTo",
    "PublisherDep",
    "SessionDep",
    "SessionsDep",
    "SettingsDep",
    "check_decided_window",
    "unprocessable",
]
