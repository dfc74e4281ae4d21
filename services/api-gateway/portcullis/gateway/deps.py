"""Request dependencies shared by the domains: settings, session factory, broadcaster, publisher, errors.

The dependencies are `async def` although they do not await: FastAPI runs plain `def` ones in a worker thread.
"""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import SessionDep
from portcullis.gateway.decisions.live import Broadcaster
from portcullis.gateway.settings import GatewaySettings
from portcullis.shared.http import ErrorBody
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


__all__ = [
    "INVALID",
    "BroadcasterDep",
    "PublisherDep",
    "SessionDep",
    "SessionsDep",
    "SettingsDep",
    "unprocessable",
]
