"""Benchmarks (d), (e), (f): ingest over HTTP, end-to-end latency at offered rates, memory of each service.

The services run as their own processes on the real broker, exactly as `make up` runs them; load comes from
this process over 127.0.0.1 only.
"""

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import numpy as np

from portcullis.cli.processes import ServiceSet


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values) * 1000
    return {
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": float(np.percentile(array, 95)),
        "p99_ms": float(np.percentile(array, 99)),
    }


def _documents(base: list[dict[str, object]], count: int, tag: str) -> list[dict[str, object]]:
    return [{**base[i % len(base)], "declaration_id": f"{tag}{i:07d}"} for i in range(count)]


async def ingest_throughput(url: str, base: list[dict[str, object]], batch: int, seconds: float) -> dict[str, float]:
    """(d) Declarations a second accepted by ingest, from 16 concurrent clients for `seconds`."""
    latencies: list[float] = []
    accepted = 0
    counter = 0
    deadline = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal accepted, counter
        while time.perf_counter() < deadline:
            counter += 1
            documents = _documents(base, batch, f"I{batch}-{counter}-")
            body = documents[0] if batch == 1 else documents
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code == 202:
                accepted += batch

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=16)) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(16)))
    elapsed = time.perf_counter() - started
    return {
        "declarations_per_s": accepted / elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "seconds": elapsed,
        **_percentiles(latencies),
    }


async def end_to_end(
    ingest_url: str, gateway_db: Path, base: list[dict[str, object]], rate: float, seconds: float, tag: str
) -> dict[str, float]:
    """(e) From POST to stored decision, at an offered rate, in POSTs of 10 declarations."""
    batch = 10
    total = int(rate * seconds)
    documents = _documents(base, total, tag)
    sent_at: dict[str, float] = {}
    interval = batch / rate
    failures = 0

    async def post(client: httpx.AsyncClient, chunk: list[dict[str, object]]) -> None:
        nonlocal failures
        moment = time.time()
        response = await client.post(ingest_url, json=chunk)
        if response.status_code != 202:
            failures += len(chunk)
            return
        for document in chunk:
            sent_at[str(document["declaration_id"])] = moment

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
        start = time.perf_counter()
        tasks = []
        for index in range(0, total, batch):
            delay = start + (index // batch) * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(client, documents[index : index + batch])))
        await asyncio.gather(*tasks)
        offered_seconds = time.perf_counter() - start

    stored: dict[str, float] = {}
    deadline = time.monotonic() + 120
    while len(stored) < len(sent_at) and time.monotonic() < deadline:
        await asyncio.sleep(1)
        with sqlite3.connect(gateway_db) as connection:
            rows = connection.execute(
                "SELECT subject_id, stored_at FROM decisions WHERE subject_id LIKE ?", (f"{tag}%",)
            ).fetchall()
        stored = {subject: _epoch(moment) for subject, moment in rows}
    latencies = [stored[i] - sent_at[i] for i in sent_at if i in stored]
    return {
        "offered_per_s": rate,
        "achieved_per_s": len(sent_at) / offered_seconds,
        "declarations": len(sent_at),
        "missing": len(sent_at) - len(latencies),
        "failed_posts": failures,
        **_percentiles(latencies),
    }


async def _drain(gateway_db: Path, expected: int, timeout_s: float = 300) -> float:
    """Seconds until the store holds about `expected` decisions (or the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        with sqlite3.connect(gateway_db) as connection:
            stored = connection.execute("SELECT count(*) FROM decisions").fetchone()[0]
        if stored >= expected * 0.999:
            break
        await asyncio.sleep(1)
    return time.monotonic() - started


def _epoch(moment: str) -> float:
    from datetime import UTC, datetime

    parsed = datetime.fromisoformat(moment)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


async def run(
    services: ServiceSet, base: list[dict[str, object]], rates: list[float], seconds: float
) -> dict[str, object]:
    """Start the services, measure (d), (e) and (f); stop them."""
    gateway = services.start("gateway")
    scoring = services.start("scoring")
    ingest = services.start("ingest")
    watchlist = services.start("watchlist")
    try:
        url = f"{ingest.url}/v1/declarations"
        results: dict[str, object] = {
            "ingest_single": await ingest_throughput(url, base, 1, seconds),
            "ingest_batch_100": await ingest_throughput(url, base, 100, seconds),
        }
        gateway_db = Path(services.gateway_database_url.split("///", 1)[1])
        # (e) must measure latency, not the backlog (d) left: wait until every accepted declaration is stored.
        accepted = sum(
            int(results[key]["declarations_per_s"] * results[key]["seconds"])  # type: ignore[index]
            for key in ("ingest_single", "ingest_batch_100")
        )
        results["backlog_drain_s"] = await _drain(gateway_db, accepted)
        results["end_to_end"] = [
            await end_to_end(url, gateway_db, base, rate, seconds, f"E{int(rate)}-") for rate in rates
        ]
        results["memory_mb"] = {
            name: service.rss_bytes() / 2**20
            for name, service in {
                "ingest": ingest,
                "scoring": scoring,
                "api-gateway": gateway,
                "watchlist": watchlist,
            }.items()
        }
        return results
    finally:
        services.stop_all()
