"""Database helpers for the services that own tables: engines, Alembic migrations, idempotent inserts."""

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine


def _json(value: Any) -> str:
    # JSON columns (reasons, attributes, audit before/after) through orjson: the stdlib encoder was the largest
    # single cost of storing a decision.
    return orjson.dumps(value).decode()


def create_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    """An async engine; SQLite files get WAL journaling and a busy timeout so readers never block the writer."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, json_serializer=_json)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before it returns. Consumers commit their Kafka offsets after the database
            # commit, so a commit that a power cut could still take back would lose decisions for good.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, pool_pre_ping=True, json_serializer=_json)


async def ping(engine: AsyncEngine) -> bool:
    """Whether the database answers."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not ready"
        return False


def _upgrade(connection: Connection, script_location: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine, script_location: str) -> None:
    """Apply the service's Alembic migrations up to head (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, script_location)


def migrate_sync(url: str, script_location: str) -> None:
    """The same, from synchronous code (the command line, a Kubernetes migration Job)."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await migrate(engine, script_location)
        finally:
            await engine.dispose()

    asyncio.run(run())


async def insert_ignoring_duplicates(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows, skipping those whose unique key is already stored; return how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key_column = table.c[keys[0]]
    statement = insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(key_column)
    # RETURNING yields only the rows actually inserted (drivers disagree on executemany rowcounts).
    result = await session.execute(statement, list(rows))
    return len(result.all())
