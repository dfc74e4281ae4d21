"""The API gateway: stores decisions from Kafka and serves them to API clients."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portcullis.gateway.consumer import DecisionSink
from portcullis.gateway.settings import GatewaySettings
from portcullis.gateway.store import get_decision
from portcullis.shared.db import create_engine, migrate, ping
from portcullis.shared.http import ErrorBody, install_common
from portcullis.shared.kafka import BatchConsumer, Publisher
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Decision, Stream

log = get_logger(__name__)
MIGRATIONS = "portcullis.gateway:migrations"


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


def create_app(settings: GatewaySettings) -> FastAPI:
    """Build the gateway; engine, migrations, producer and consumer open in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            engine = create_engine(settings.database_url.get_secret_value())
            stack.push_async_callback(engine.dispose)
            if settings.migrate_on_start:
                await migrate(engine, MIGRATIONS)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            publisher = Publisher(settings.kafka)
            stack.push_async_callback(publisher.close)
            consumer = BatchConsumer(
                settings.kafka,
                [settings.kafka.topic("decisions")],
                settings.group_id,
                DecisionSink(sessions).handle,
                publisher,
                max_batch=settings.max_batch,
            )
            consumer.start()
            stack.push_async_callback(consumer.close)
            app.state.engine = engine
            app.state.sessions = sessions
            app.state.consumer = consumer
            yield

    app = FastAPI(
        title="Portcullis API gateway",
        version="0.1.0",
        summary="Lane decisions for declarations, passengers and containers, with their reasons.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        engine: AsyncEngine = app.state.engine
        return {"database": await ping(engine), "kafka": app.state.consumer.running}

    install_common(app, "api-gateway", ready)

    @app.get(
        "/v1/decisions/{subject_id}",
        response_model=Decision,
        responses={404: {"model": ErrorBody, "description": "No decision (yet) for this subject"}},
        tags=["decisions"],
        summary="The lane decision about one declaration (or passenger record, container event)",
    )
    async def read_decision(
        session: SessionDep,
        subject_id: Annotated[str, Path(min_length=1, max_length=64, examples=["97061800"])],
        stream: Annotated[Stream, Query(description="Which stream the id belongs to")] = Stream.DECLARATION,
    ) -> Decision:
        decision = await get_decision(session, stream, subject_id)
        if decision is None:
            raise HTTPException(404, f"no decision for {stream.value} {subject_id}")
        return decision

    return app
