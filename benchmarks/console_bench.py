"""Console pages with 100,000 stored decisions: latency of each page as a signed-in browser would load it.

A gateway process (authentication on, SQLite store) is given a store of `count` decisions spread over the last 30
days (60% green, 20% yellow, 20% red, 20 offices; the older half of the red and yellow ones have an outcome, as an
office that keeps up would), then each page is loaded `requests` times in turn over 127.0.0.1 by one client with a
session cookie, after a warm-up. The analytics service runs beside it (auth on, an empty history store) for the
alerts page, a backtest's page and the managers' chart images (which it draws). Bounded: the store is built in
about half a minute, the loads take a few minutes.

Run: `.venv/bin/python -m benchmarks.console_bench [--count 100000] [--requests 200]` (the broker must answer at
PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092: the gateway follows its keys there). Writes
docs/console-bench.json and prints it.
"""

import argparse
import asyncio
import json
import os
import random
import re
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet, free_port
from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.decisions.writes import store_decisions
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.shared.auth import Role, new_key
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings

REPO = Path(__file__).resolve().parent.parent
OFFICES = [str(10 + n) for n in range(20)]
BATCH = 5000


def _decision(index: int, rng: random.Random, now: datetime, count: int) -> Decision:
    lane = rng.choices([Lane.GREEN, Lane.YELLOW, Lane.RED], [6, 2, 2])[0]
    decided = now - timedelta(days=30) + timedelta(seconds=index * (30 * 86400 - 3600) / count)
    reasons = [Reason(kind=ReasonKind.MODEL, text="risk score 0.61 is above the red threshold 0.58", code="score")]
    if lane is not Lane.GREEN:
        reasons.append(Reason(kind=ReasonKind.MODEL, text="unit value 84% below the usual for HS 851712 from CN"))
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=f"B{index:08d}",
        lane=lane,
        score=round(rng.random(), 4),
        model_version="dm-bench",
        rules_version="r1",
        watchlist_version="w1",
        reasons=reasons,
        attributes={"office_id": rng.choice(OFFICES), "importer_id": f"IMP{rng.randrange(5000)}"},
        submitted_at=decided - timedelta(seconds=3),
        received_at=decided - timedelta(seconds=1),
        decided_at=decided,
        content_digest=f"{index:064x}",
    )


async def build_store(url: str, count: int) -> float:
    """Fill an empty store with `count` decisions and outcomes for the older half of the selected ones."""
    started = time.perf_counter()
    engine = create_engine(url)
    await migrate(engine, MIGRATIONS)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    rng = random.Random(7)
    now = datetime.now(UTC)
    for start in range(0, count, BATCH):
        batch = [_decision(i, rng, now, count) for i in range(start, min(count, start + BATCH))]
        async with sessions.begin() as session:
            await store_decisions(session, batch)
    async with sessions.begin() as session:
        selected = (
            await session.execute(
                select(DecisionRow.id, DecisionRow.subject_id, DecisionRow.decided_at)
                .where(DecisionRow.lane != Lane.GREEN.value)
                .order_by(DecisionRow.decided_at)
            )
        ).all()
        reported = selected[: len(selected) // 2]
        rows = [
            {
                "decision_id": row_id,
                "stream": "declaration",
                "subject_id": subject_id,
                "inspected": True,
                "irregularity_found": False,
                "severity": "none",
                "revenue_recovered": 0,
                "currency": None,
                "officer_id": "OFF-1",
                "notes": None,
                "inspected_at": decided_at,
                "recorded_at": decided_at,
                "published_at": decided_at,
            }
            for row_id, subject_id, decided_at in reported
        ]
        for start in range(0, len(rows), BATCH):
            await session.execute(insert(OutcomeRow), rows[start : start + BATCH])
    await engine.dispose()
    return time.perf_counter() - started


def _signed_in(base_url: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    form = client.get("/console/sign-in")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/console/sign-in", data={"sign_in_token": token.group(1), "api_key": key})
    assert answer.status_code == 303, answer.text
    return client


def _started_backtest(client: httpx.Client) -> str:
    """Start a backtest of today's rule set from the rules page's form; the path of its page."""
    page = client.get("/console/watchlist")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    today = datetime.now(UTC).date()
    form = {"csrf_token": csrf.group(1), "with_current_rules": "yes", "from": str(today), "to": str(today)}
    for _ in range(100):  # the analytics service answers 503 until it has read the saved rules
        answer = client.post("/console/backtests", data=form)
        if answer.status_code == 303:
            return answer.headers["location"]
        time.sleep(0.2)
    raise AssertionError(f"no backtest started: {answer.status_code}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def measure(client: httpx.Client, path: str, requests: int) -> dict[str, float]:
    """Load a page `requests` times after 10 loads of warm-up; latency percentiles in ms."""
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    times: list[float] = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, (path, answer.status_code)
    return {
        "p50_ms": round(_percentile(times, 0.50), 1),
        "p99_ms": round(_percentile(times, 0.99), 1),
        "max_ms": round(max(times) * 1000, 1),
    }


async def _keys(kafka: KafkaSettings) -> dict[Role, str]:
    await ensure_topics(kafka)
    keys: dict[Role, str] = {}
    for role, office in [
        (Role.INSPECTOR, OFFICES[3]),
        (Role.SUPERVISOR, None),
        (Role.ANALYST, None),
        (Role.READER, None),
    ]:
        keys[role], record = new_key(f"bench-{role.value}", role, office)
        await publish_key(kafka, record)
    return keys


def run(count: int, requests: int) -> dict[str, object]:
    """Build the store, start the gateway on it, load every page; the results."""
    bootstrap = os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
    keys = asyncio.run(_keys(kafka))
    with tempfile.TemporaryDirectory(prefix="portcullis-console-bench-") as scratch:
        folder = Path(scratch)
        url = f"sqlite+aiosqlite:///{folder / 'gateway.db'}"
        build_s = asyncio.run(build_store(url, count))
        services = ServiceSet(folder, kafka, folder / "no-models")
        analytics = services.start("analytics", {"PORTCULLIS_AUTH_REQUIRED": "true"})
        gateway = services.start(
            "gateway",
            {
                "PORTCULLIS_AUTH_REQUIRED": "true",
                "PORTCULLIS_GATEWAY_DATABASE_URL": url,
                "PORTCULLIS_GATEWAY_WATCHLIST_URL": f"http://127.0.0.1:{free_port()}",
                "PORTCULLIS_GATEWAY_ANALYTICS_URL": analytics.url,
            },
        )
        try:
            inspector = _signed_in(gateway.url, keys[Role.INSPECTOR])
            supervisor = _signed_in(gateway.url, keys[Role.SUPERVISOR])
            analyst = _signed_in(gateway.url, keys[Role.ANALYST])
            manager = _signed_in(gateway.url, keys[Role.READER])
            backtest = _started_backtest(analyst)
            today = datetime.now(UTC).date()
            period = f"from={today - timedelta(days=29)}&to={today}"
            pages = {
                "queue of one office (inspector)": (inspector, "/console/queue"),
                "queue of every office (supervisor)": (supervisor, "/console/queue"),
                "a decision with its history (inspector)": (
                    inspector,
                    f"/console/decisions/declaration/B{count // 2:08d}",
                ),
                "overrides (supervisor)": (supervisor, "/console/overrides"),
                "search, no filter (analyst)": (analyst, "/console/search"),
                "search, red of one office (analyst)": (analyst, f"/console/search?lane=red&office_id={OFFICES[5]}"),
                "search by importer (analyst)": (analyst, "/console/search?importer_id=IMP42"),
                "rules and watchlist, service down (analyst)": (analyst, "/console/watchlist"),
                "performance, last 7 days (manager)": (manager, "/console/performance"),
                "alerts (analyst)": (analyst, "/console/alerts"),
                "a backtest's progress or result (analyst)": (analyst, backtest),
                "chart: performance by lane, 30 days (manager)": (
                    manager,
                    f"/console/charts/performance.svg?{period}&group_by=lane",
                ),
                "chart: time release by office, 30 days (manager)": (
                    manager,
                    f"/console/charts/time-release.svg?{period}&group_by=office",
                ),
            }
            results = {name: measure(client, path, requests) for name, (client, path) in pages.items()}
        finally:
            services.stop_all()
    return {
        "decisions": count,
        "requests_per_page": requests,
        "store_build_s": round(build_s, 1),
        "pages": results,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, shared; client and gateway on 127.0.0.1",
    }


def main() -> None:
    """Run the console bench and write docs/console-bench.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    results = run(arguments.count, arguments.requests)
    text = json.dumps(results, indent=2)
    (REPO / "docs" / "console-bench.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
