"""The analytics service: the history store's sink, and the reports over the store."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

import duckdb
from fastapi import FastAPI

from portcullis.analytics.backtest.jobs import BacktestRunner
from portcullis.analytics.backtest.lanes import RandomDraw
from portcullis.analytics.backtest.replay import Capacity
from portcullis.analytics.backtest.routes import router as backtests_router
from portcullis.analytics.backtest.rulebook import RuleBook, rule_follower
from portcullis.analytics.metrics import refresh_periodically
from portcullis.analytics.mirror import routes as mirror_routes
from portcullis.analytics.mirror.gaps import GapPublisher
from portcullis.analytics.mirror.store import MirrorStore
from portcullis.analytics.reports.routes import router as reports_router
from portcullis.analytics.rescreen.alerts import AlertBook
from portcullis.analytics.rescreen.routes import router as alerts_router
from portcullis.analytics.rescreen.screen import Limits
from portcullis.analytics.rescreen.versions import ProcessedVersions
from portcullis.analytics.rescreen.worker import Rescreener
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.analytics.store import subjects, timelines
from portcullis.analytics.store.datasets import DATASETS
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.routes import router as history_router
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.auth import Grant, Role, install_auth, open_keyring
from portcullis.shared.http import install_common
from portcullis.shared.kafka import BatchConsumer, CompactedTopicFollower, Publisher
from portcullis.shared.logging import get_logger
from portcullis.shared.random_selection import RandomSelector

log = get_logger(__name__)

#: The entry versions re-screening has done, in the store's folder (see rescreen/versions.py).
VERSIONS_FILE = "rescreen-versions.json"

#: Readers see the reports; analysts everything, the stored messages (and passengers' personal data) included.
GRANTS = [
    Grant("/v1/reports", frozenset({Role.READER, Role.ANALYST}), frozenset({"GET"})),
    Grant("/v1/history", frozenset({Role.ANALYST}), frozenset({"GET"})),
    Grant("/v1/mirror", frozenset({Role.ANALYST}), frozenset({"POST"})),
    # Re-screening alerts: whoever reads decisions sees them; analysts and inspectors acknowledge them.
    Grant("/v1/alerts", frozenset({Role.ANALYST, Role.INSPECTOR}), frozenset({"POST"})),
    Grant("/v1/alerts", frozenset({Role.READER, Role.ANALYST, Role.INSPECTOR, Role.SUPERVISOR}), frozenset({"GET"})),
    Grant("/v1/backtests", frozenset({Role.ANALYST}), frozenset({"GET", "POST"})),
]


def create_app(settings: AnalyticsSettings) -> FastAPI:
    """Build the analytics application; the sink, retention and headline metrics start in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.keyring, app.state.keys_follower = await open_keyring(stack, settings.kafka)
            layout = StoreLayout(settings.store_path, settings.personal_store_path)
            for root in (settings.store_path, settings.personal_store_path):
                root.mkdir(parents=True, exist_ok=True)
            removed = layout.remove_partial_files() + layout.remove_covered_files()
            if removed:
                log.info("history_leftover_files_removed", files=removed)
            app.state.settings = settings
            app.state.layout = layout
            app.state.consumer = None
            if settings.sink:
                publisher = Publisher(settings.kafka)  # dead letters
                stack.push_async_callback(publisher.close)
                sink = HistorySink(layout, settings.kafka)
                # By pattern: a topic created later (clearance-events, by its stream's release) joins within minutes.
                consumer = BatchConsumer(
                    settings.sink_kafka(),
                    sink.topics,
                    settings.group_id,
                    sink.handle,
                    publisher,
                    settings.max_batch,
                    subscribe_pattern=True,
                )
                consumer.start()
                stack.push_async_callback(consumer.close)
                app.state.consumer = consumer
                retention = asyncio.create_task(_maintain_periodically(layout, settings), name="history-maintenance")
                stack.push_async_callback(_cancel, retention)
            app.state.alert_book = app.state.alerts_follower = app.state.rescreen_consumer = None
            if settings.rescreen.enabled:
                await _start_rescreening(app, stack, settings, layout)
            # Backtests: the saved rules as scoring reads them (the watchlist topic), one job at a time.
            app.state.rule_book = RuleBook()
            rules = rule_follower(settings.kafka, app.state.rule_book)
            rules.start()
            stack.push_async_callback(rules.close)
            app.state.rules_follower = rules
            capacity = Capacity(settings.capacity_red_rate, settings.capacity_yellow_rate)
            secret = settings.random_selection_secret.get_secret_value().encode()
            draw = RandomDraw(RandomSelector(settings.random_selection_rate, secret), settings.random_selection_lane)
            app.state.backtests = BacktestRunner(layout, capacity, draw, settings.backtest_max_seconds)
            stack.push_async_callback(app.state.backtests.close)
            # The mirror gap table scoring's rules test: after imports and on a schedule (mirror/gaps.py).
            gaps = GapPublisher(layout, MirrorStore.beside(settings.store_path), settings.mirror, settings.kafka)
            stack.push_async_callback(gaps.close)
            app.state.mirror_gaps = gaps
            if settings.mirror.gaps_every_s > 0:
                schedule = asyncio.create_task(gaps.publish_periodically(), name="mirror-gaps")
                stack.push_async_callback(_cancel, schedule)
            headline = asyncio.create_task(refresh_periodically(layout, settings), name="headline-metrics")
            stack.push_async_callback(_cancel, headline)
            log.info("analytics_ready", port=settings.port, store=str(settings.store_path), sink=settings.sink)
            yield

    app = FastAPI(
        title="Portcullis analytics",
        version="0.1.0",
        summary="The history store of every stream, decision, outcome and clearance event; performance and "
        "time-release reports as JSON, CSV and charts; backtests of rules over the history.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        checks = {"api_keys": app.state.keys_follower.caught_up.is_set(), "store": settings.store_path.is_dir()}
        if app.state.consumer is not None:
            checks["kafka"] = app.state.consumer.running
        if app.state.rescreen_consumer is not None:
            checks["alerts"] = app.state.alerts_follower.caught_up.is_set()
            checks["rescreen"] = app.state.rescreen_consumer.running
        return checks

    install_auth(app, "analytics", GRANTS, lambda: app.state.keyring, settings.auth)
    install_common(app, "analytics", ready, settings.http)
    app.include_router(reports_router)
    app.include_router(history_router)
    app.include_router(mirror_routes.reports)
    app.include_router(mirror_routes.imports)
    app.include_router(alerts_router)
    app.include_router(backtests_router)
    return app


async def _start_rescreening(
    app: FastAPI, stack: AsyncExitStack, settings: AnalyticsSettings, layout: StoreLayout
) -> None:
    """Follow the alerts, then (once they are read to their end: no alert raised twice) consume the watchlist."""
    options = settings.rescreen
    publisher = Publisher(settings.kafka)  # alerts and the watchlist's dead letters
    stack.push_async_callback(publisher.close)
    book = AlertBook(settings.kafka, publisher)
    follower = CompactedTopicFollower(settings.kafka, "alerts", book.apply)
    follower.start()
    stack.push_async_callback(follower.close)
    versions_file = settings.store_path / VERSIONS_FILE
    first_start = None if versions_file.exists() else datetime.now(UTC)
    versions = ProcessedVersions(versions_file)
    if first_start is not None:
        versions.save()  # the next start is not a first one, whether or not entries come before it
    limits = Limits(options.threshold, options.strong_score)
    rescreener = Rescreener(layout, book, versions, limits, options.days, baseline_before=first_start)
    consumer = BatchConsumer(
        settings.kafka,
        [settings.kafka.topic("watchlist")],
        options.group_id,
        rescreener.handle,
        publisher,
        options.max_batch,
        max_poll_interval_ms=options.max_batch_seconds * 1000,
    )
    stack.push_async_callback(consumer.close)

    async def start_when_caught_up() -> None:
        await follower.caught_up.wait()
        consumer.start()

    starter = asyncio.create_task(start_when_caught_up(), name="rescreen-start")
    stack.push_async_callback(_cancel, starter)
    app.state.alert_book, app.state.alerts_follower, app.state.rescreen_consumer = book, follower, consumer
    log.info("rescreening_started", days=options.days, entries_done=len(versions))


async def _maintain_periodically(layout: StoreLayout, settings: AnalyticsSettings) -> None:
    """Delete expired days, compact the closed ones (the last few) and rebuild the pre-aggregates (the clearance
    timelines, store/timelines.py; each subject's latest decision and outcome, store/subjects.py), every
    `retention_check_s`."""
    while True:
        today = datetime.now(UTC).date()
        for dataset in DATASETS.values():
            try:
                await asyncio.to_thread(layout.expire, dataset, settings.retention.days(dataset.name), today)
                for days_ago in range(1, settings.compact_days + 1):
                    await asyncio.to_thread(layout.compact, dataset, today - timedelta(days=days_ago))
            except OSError as error:
                log.warning("history_maintenance_failed", dataset=dataset.table, error=type(error).__name__)
        for pre_aggregate in (timelines, subjects):
            try:
                await asyncio.to_thread(pre_aggregate.build, layout)
            except (OSError, duckdb.Error) as error:
                log.warning(
                    "pre_aggregate_build_failed", pre_aggregate=pre_aggregate.FOLDER, error=type(error).__name__
                )
        await asyncio.sleep(settings.retention_check_s)


async def _cancel(task: "asyncio.Task[None]") -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
