"""The gateway's declarative base, id type and the request's database session."""

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import BigInteger, Integer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

#: Row ids: 64-bit on PostgreSQL; SQLite's INTEGER PRIMARY KEY is the rowid (also 64-bit).
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The gateway's tables."""


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


class WriteGate:
    """Lets one write transaction of this process at a time into SQLite (a no-op on other databases).

    SQLite has a single writer anyway; waiting here, in the event loop, is far cheaper than contending
    writers polling the file lock with the driver's sleeping busy handler.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def __aenter__(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._lock is not None:
            self._lock.release()


async def _writes(request: Request) -> WriteGate:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per request.
    gate: WriteGate = request.app.state.writes
    return gate


WritesDep = Annotated[WriteGate, Depends(_writes)]
