"""The watchlist service: analysts' watchlists and selectivity rules, published to the compacted topic."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from portcullis.shared.db import create_engine, migrate, ping
from portcullis.shared.http import install_common
from portcullis.shared.kafka import Publisher
from portcullis.watchlist.settings import WatchlistSettings
from sqlalchemy.ext.asyncio import async_sessionmaker

MIGRATIONS = "portcullis.watchlist:migrations"


def create_app(settings: WatchlistSettings) -> FastAPI:
    """Build the watchlist service; engine, migrations and producer open in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            engine = create_engine(settings.database_url.get_secret_value())
            stack.push_async_callback(engine.dispose)
            if settings.migrate_on_start:
                await migrate(engine, MIGRATIONS)
            publisher = Publisher(settings.kafka)
            stack.push_async_callback(publisher.close)
            await publisher.start()
            app.state.engine = engine
            app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
            app.state.publisher = publisher
            yield

    app = FastAPI(
        title="Portcullis watchlist",
        version="0.1.0",
        summary="Watchlists and selectivity rules for the risk analysts.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        return {"database": await ping(app.state.engine), "kafka": await app.state.publisher.start()}

    install_common(app, "watchlist", ready)
    return app
