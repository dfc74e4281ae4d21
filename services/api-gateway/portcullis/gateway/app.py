"""The API gateway: stores decisions from Kafka and serves them to API clients."""

import asyncio
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from types import FrameType
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from portcullis.gateway.console.install import PREFIX as CONSOLE_PREFIX
from portcullis.gateway.console.install import install_console
from portcullis.gateway.consumer import DecisionSink
from portcullis.gateway.db import WriteGate
from portcullis.gateway.decisions.live import Broadcaster, StoreTail
from portcullis.gateway.decisions.routes import router as decisions_router
from portcullis.gateway.exports.routes import router as exports_router
from portcullis.gateway.outbox import TopicOutbox
from portcullis.gateway.outcomes.outbox import Outbox
from portcullis.gateway.outcomes.routes import router as outcomes_router
from portcullis.gateway.overrides.outbox import OverrideOutbox
from portcullis.gateway.overrides.routes import router as overrides_router
from portcullis.gateway.reviews.outbox import ReviewOutbox
from portcullis.gateway.reviews.routes import router as reviews_router
from portcullis.gateway.settings import GatewaySettings
from portcullis.gateway.statistics.routes import router as statistics_router
from portcullis.shared.auth import Grant, Role, install_auth, open_keyring
from portcullis.shared.auth.routes import router as keys_router
from portcullis.shared.db import create_engine, migrate, ping
from portcullis.shared.http import BodyLimit, install_common
from portcullis.shared.kafka import BatchConsumer, Publisher
from portcullis.shared.logging import get_logger

log = get_logger(__name__)
MIGRATIONS = "portcullis.gateway:migrations"

#: The API's routers, one per domain (a router-level dependency such as authentication is added here).
ROUTERS = (decisions_router, outcomes_router, overrides_router, reviews_router, statistics_router, exports_router)


def _end_live_streams_on_signal(broadcaster: Broadcaster, stack: AsyncExitStack) -> None:
    # Uvicorn waits for open responses before it runs the lifespan's shutdown; live streams never end on
    # their own, so SIGTERM first closes them (with a reason), then goes on to uvicorn's own handler.
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(broadcaster.close, "server shutting down")
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    stack.callback(signal.signal, signal.SIGTERM, previous)


#: Most specific first: inspectors report outcomes, supervisors override lanes, analysts review possible matches,
#: readers, inspectors and supervisors read, readers export, admins manage keys.
GRANTS = [
    Grant("/v1/decisions/{subject_id}/outcome", frozenset({Role.INSPECTOR}), frozenset({"POST"})),
    Grant("/v1/decisions/{subject_id}/override", frozenset({Role.SUPERVISOR}), frozenset({"POST"})),
    Grant("/v1/reviews", frozenset({Role.ANALYST}), frozenset({"GET", "POST"})),
    Grant("/v1/decisions", frozenset({Role.READER, Role.INSPECTOR, Role.SUPERVISOR}), frozenset({"GET"})),
    Grant("/v1/statistics", frozenset({Role.READER}), frozenset({"GET"})),
    Grant("/v1/exports", frozenset({Role.READER}), frozenset({"GET"})),
    Grant("/v1/keys", frozenset({Role.ADMIN})),
]


def create_app(settings: GatewaySettings) -> FastAPI:
    """Build the gateway; engine, migrations, producers, consumer and outbox open in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.keyring, app.state.keys_follower = await open_keyring(stack, settings.kafka)
            engine = create_engine(settings.database_url.get_secret_value())
            stack.push_async_callback(engine.dispose)
            if settings.migrate_on_start:
                await migrate(engine, MIGRATIONS)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            writes = WriteGate(engine)
            broadcaster = Broadcaster(settings.live_queue_size, settings.live_streams_per_key)
            app.state.keyring.on_removed(broadcaster.revoke)  # a revoked key's live streams end at once
            app.state.keyring.on_removed(console_sessions.revoke)  # and its console sessions
            # The console's client of the watchlist service (one pool; a client per request costs its TLS setup).
            app.state.console_http = await stack.enter_async_context(httpx.AsyncClient(timeout=3.0))
            stack.callback(broadcaster.close, "server shutting down")
            _end_live_streams_on_signal(broadcaster, stack)
            publisher = Publisher(settings.kafka)
            stack.push_async_callback(publisher.close)
            outcome_publisher = Publisher(settings.kafka, timeout_s=settings.publish_timeout_s)
            stack.push_async_callback(outcome_publisher.close)
            # Outcomes, overrides and review verdicts: each published after its commit, its backlog retried.
            stopping = asyncio.Event()
            outboxes: list[TopicOutbox[Any]] = []
            for outbox_class, topic in ((Outbox, "outcomes"), (OverrideOutbox, "overrides"), (ReviewOutbox, "reviews")):
                each = outbox_class(
                    sessions, writes, outcome_publisher, settings.kafka.topic(topic), 2 * settings.publish_timeout_s
                )
                relay = asyncio.create_task(each.run(stopping, settings.outbox_retry_s), name=f"{topic}-outbox")
                stack.push_async_callback(_finish, relay, stopping, f"{topic}_outbox")
                outboxes.append(each)
            outbox, override_outbox, review_outbox = outboxes
            live = StoreTail(sessions, broadcaster, settings.live_poll_s)
            tail_stopping = asyncio.Event()
            tail = asyncio.create_task(live.run(tail_stopping), name="live-tail")
            stack.push_async_callback(_finish, tail, tail_stopping, "live_tail")
            consumer = BatchConsumer(
                settings.kafka,
                [settings.kafka.topic("decisions")],
                settings.group_id,
                DecisionSink(sessions, writes, live).handle,
                publisher,
                max_batch=settings.max_batch,
            )
            consumer.start()
            stack.push_async_callback(consumer.close)
            app.state.settings = settings
            app.state.engine = engine
            app.state.sessions = sessions
            app.state.writes = writes
            app.state.consumer = consumer
            app.state.broadcaster = broadcaster
            app.state.publisher = outcome_publisher
            app.state.outbox = outbox
            app.state.override_outbox = override_outbox
            app.state.review_outbox = review_outbox
            app.state.live = live
            app.state.keys_publisher = publisher
            app.state.keys_topic = settings.kafka.topic("apikeys")
            yield

    app = FastAPI(
        title="Portcullis API gateway",
        version="0.2.0",
        summary="Lane decisions for declarations, passengers and containers, their inspection outcomes, statistics.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        engine: AsyncEngine = app.state.engine
        return {
            "database": await ping(engine),
            "kafka": app.state.consumer.running,
            "api_keys": app.state.keys_follower.caught_up.is_set(),
        }

    # The console authenticates by itself (a session cookie for a key, checked against the same key ring).
    install_auth(app, "api-gateway", GRANTS, lambda: app.state.keyring, settings.auth, open_prefixes=[CONSOLE_PREFIX])
    install_common(app, "api-gateway", ready, settings.http, BodyLimit(default_bytes=settings.max_body_bytes))
    for router in [*ROUTERS, keys_router]:
        app.include_router(router)
    console_sessions = install_console(app, settings)
    return app


async def _finish(task: "asyncio.Task[Any]", stopping: asyncio.Event, what: str) -> None:
    stopping.set()
    try:
        await asyncio.wait_for(task, 10)
    except TimeoutError:
        log.warning("stop_timeout", task=what)
