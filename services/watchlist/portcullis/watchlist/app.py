"""The watchlist service: analysts' watchlists and selectivity rules, published to the compacted topic."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from aiokafka.errors import KafkaError
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.shared.auth import Grant, Role, install_auth, open_keyring
from portcullis.shared.compiled import report_compiled
from portcullis.shared.db import create_engine, migrate, ping
from portcullis.shared.http import BodyLimit, install_common
from portcullis.shared.kafka import Publisher
from portcullis.shared.logging import get_logger
from portcullis.shared.memory import freeze_long_lived
from portcullis.watchlist.entries.routes import router as entries_router
from portcullis.watchlist.entries.screening import ScreeningIndex
from portcullis.watchlist.errors import install_errors
from portcullis.watchlist.publishing import Outbox
from portcullis.watchlist.rules.routes import router as rules_router
from portcullis.watchlist.settings import WatchlistSettings
from portcullis.watchlist.sources.routes import router as sources_router
from portcullis.watchlist.sources.timer import RefreshTimer

log = get_logger(__name__)

MIGRATIONS = "portcullis.watchlist:migrations"


#: Watchlists, rules and screening are the risk analysts' work.
GRANTS = [Grant("/v1/", frozenset({Role.ANALYST}))]


def create_app(settings: WatchlistSettings) -> FastAPI:
    """Build the watchlist service; engine, migrations, producer, relay and screening index open in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.keyring, app.state.keys_follower = await open_keyring(stack, settings.kafka)
            engine = create_engine(settings.database_url.get_secret_value())
            stack.push_async_callback(engine.dispose)
            if settings.migrate_on_start:
                await migrate(engine, MIGRATIONS)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            publisher = Publisher(settings.kafka)
            stack.push_async_callback(publisher.close)
            await publisher.start()
            report_compiled()
            screening = ScreeningIndex()
            await screening.load(sessions)
            # The index (hundreds of thousands of objects) lives as long as the process: out of the garbage
            # collector's generations, it is not traversed again by collections of each screening's garbage.
            freeze_long_lived()
            outbox = Outbox(sessions, publisher, settings.kafka.topic("watchlist"))
            try:
                await outbox.republish_if_topic_lost(settings.kafka)
            except (KafkaError, OSError) as error:  # the broker is down: the relay publishes what lags once it is back
                log.warning("topic_check_failed", error=type(error).__name__)
            # The relay first republishes whatever a previous run committed but could not publish.
            relay = asyncio.create_task(outbox.relay(settings.republish_interval_s), name="watchlist-relay")
            stack.push_async_callback(_cancel, relay)
            if settings.refresh_sources:
                timer = RefreshTimer(sessions, outbox, screening, settings.refresh_sources, settings.max_import_bytes)
                refresher = asyncio.create_task(timer.run(settings.refresh_interval_s), name="watchlist-refresh")
                stack.push_async_callback(_cancel, refresher)
            app.state.engine = engine
            app.state.sessions = sessions
            app.state.publisher = publisher
            app.state.outbox = outbox
            app.state.screening = screening
            yield

    app = FastAPI(
        title="Portcullis watchlist",
        version="0.2.0",
        summary="Watchlists and selectivity rules for the risk analysts, published live to scoring.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        return {
            "database": await ping(app.state.engine),
            "kafka": await app.state.publisher.start(),
            "api_keys": app.state.keys_follower.caught_up.is_set(),
        }

    install_auth(app, "watchlist", GRANTS, lambda: app.state.keyring, settings.auth)
    limit = BodyLimit(
        default_bytes=settings.max_body_bytes,
        by_prefix={
            "/v1/watchlist/imports/": settings.max_import_bytes,
            "/v1/watchlist/sources/": settings.max_import_bytes,
        },
    )
    install_common(app, "watchlist", ready, settings.http, limit)
    install_errors(app)
    app.include_router(entries_router)
    app.include_router(rules_router)
    app.include_router(sources_router)
    return app


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
