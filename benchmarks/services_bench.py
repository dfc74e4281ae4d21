"""Benchmarks (d), (e), (f): ingest over HTTP, end-to-end latency at offered rates, memory of each service.

The services run as their own processes on the real broker, exactly as `make up` runs them; load comes from
this process over 127.0.0.1 only. The load generator shares the 2 cores with what it measures, so it is kept
lean: bodies are encoded before the clock starts and sent by a minimal HTTP/1.1 keep-alive client (what a port
system's client does on the wire, without httpx's per-request work). CPU seconds of every process are recorded
around each run, the load generator's included, so that the report says where the cores went.
"""

import asyncio
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import orjson

from portcullis.cli.processes import ServiceSet

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuMeter:
    """CPU seconds each named process (and this one, the load generator) spends between start and stop."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self.used: dict[str, float] = {}

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        """Yield a dict that holds, once the block ends, CPU seconds per process name."""
        before = {name: _cpu_seconds(pid) for name, pid in self._pids.items()}
        own = time.process_time()
        used: dict[str, float] = {}
        try:
            yield used
        finally:
            for name, pid in self._pids.items():
                try:
                    used[name] = _cpu_seconds(pid) - before[name]
                except FileNotFoundError:  # the process is gone
                    continue
            used["load generator"] = time.process_time() - own


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer


class LeanClient:
    """POSTs pre-encoded JSON bodies over a pool of HTTP/1.1 keep-alive connections; answers the status code."""

    def __init__(self, url: str, connections: int) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._head = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\nContent-Length: "
        ).encode()
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    async def post(self, body: bytes) -> int:
        """Send one POST and read its whole answer: the status, or 0 when the connection failed.

        A kept-alive connection the server has closed meanwhile is replaced by a new one, once.
        """
        async with self._slots:
            for reused in (bool(self._idle), False):
                connection = self._idle.pop() if reused else await self._open()
                try:
                    status, keep = await self._exchange(connection, body)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.writer.close()
                    if reused:
                        continue
                    return 0
                if keep:
                    self._idle.append(connection)
                else:
                    connection.writer.close()
                return status
        return 0

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, body: bytes) -> tuple[int, bool]:
        connection.writer.write(b"%b%d\r\n\r\n%b" % (self._head, len(body), body))
        head = await connection.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, keep = 0, True
        for line in head.lower().split(b"\r\n")[1:]:
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"connection:") and b"close" in line:
                keep = False
        if length:
            await connection.reader.readexactly(length)
        return status, keep

    async def close(self) -> None:
        """Close every connection."""
        for connection in self._idle:
            connection.writer.close()
        self._idle.clear()


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values) * 1000
    return {
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": float(np.percentile(array, 95)),
        "p99_ms": float(np.percentile(array, 99)),
    }


def _documents(base: list[dict[str, object]], count: int, tag: str) -> list[dict[str, object]]:
    return [{**base[i % len(base)], "declaration_id": f"{tag}{i:07d}"} for i in range(count)]


async def ingest_throughput(
    url: str, base: list[dict[str, object]], batch: int, seconds: float, meter: CpuMeter
) -> dict[str, object]:
    """(d) Declarations a second accepted by ingest, from 16 concurrent clients for `seconds`."""
    # Enough distinct bodies for the whole run, encoded before the clock starts.
    planned = int(seconds * (5000 if batch == 1 else 10_000 / batch)) + 16
    documents = _documents(base, planned * batch, f"I{batch}-")
    bodies = [
        orjson.dumps(documents[i] if batch == 1 else documents[i : i + batch]) for i in range(0, planned * batch, batch)
    ]
    latencies: list[float] = []
    accepted = 0
    next_body = 0
    client = LeanClient(url, connections=16)
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        nonlocal accepted, next_body
        while time.perf_counter() < deadline and next_body < len(bodies):
            body = bodies[next_body]
            next_body += 1
            started = time.perf_counter()
            status = await client.post(body)
            latencies.append(time.perf_counter() - started)
            if status == 202:
                accepted += batch

    with meter.measure() as cpu:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(16)))
        elapsed = time.perf_counter() - started
    await client.close()
    return {
        "declarations_per_s": accepted / elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "seconds": elapsed,
        **_percentiles(latencies),
        "cpu_ms_per_request": {name: used * 1000 / max(1, len(latencies)) for name, used in cpu.items()},
    }


async def end_to_end(
    ingest_url: str,
    gateway_db: Path,
    base: list[dict[str, object]],
    rate: float,
    seconds: float,
    tag: str,
    meter: CpuMeter,
) -> dict[str, object]:
    """(e) From POST to stored decision, at an offered rate, in POSTs of 10 declarations."""
    batch = 10
    total = int(rate * seconds)
    documents = _documents(base, total, tag)
    chunks = [
        ([str(d["declaration_id"]) for d in documents[i : i + batch]], orjson.dumps(documents[i : i + batch]))
        for i in range(0, total, batch)
    ]
    sent_at: dict[str, float] = {}
    interval = batch / rate
    failures = 0
    client = LeanClient(ingest_url, connections=64)

    async def post(ids: list[str], body: bytes) -> None:
        nonlocal failures
        moment = time.time()
        status = await client.post(body)
        if status != 202:
            failures += len(ids)
            return
        for declaration_id in ids:
            sent_at[declaration_id] = moment

    with meter.measure() as cpu:
        start = time.perf_counter()
        tasks = []
        for index, (ids, body) in enumerate(chunks):
            delay = start + index * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(ids, body)))
        await asyncio.gather(*tasks)
        offered_seconds = time.perf_counter() - start
        stored = await _stored_times(gateway_db, tag, len(sent_at))
    await client.close()
    timed = [(sent_at[i], *stored[i]) for i in sent_at if i in stored]
    latencies = [at - sent for sent, _, _, at in timed]
    # Where the time goes: POST to the record's timestamp (ingest's, at produce), to the decision, to the store.
    stages = {
        "ingest": [received - sent for sent, received, _, _ in timed],
        "scoring": [decided - received for _, received, decided, _ in timed],
        "store": [at - decided for _, _, decided, at in timed],
    }
    return {
        "offered_per_s": rate,
        "achieved_per_s": len(sent_at) / offered_seconds,
        "declarations": len(sent_at),
        "missing": len(sent_at) - len(latencies),
        "failed_posts": failures,
        **_percentiles(latencies),
        "stages_ms": {stage: _percentiles(values) for stage, values in stages.items()},
        # Until every decision of the run was stored (the store is polled once a second, so this includes idle).
        "cpu_ms_per_declaration": {name: used * 1000 / max(1, len(sent_at)) for name, used in cpu.items()},
    }


async def _stored_times(gateway_db: Path, tag: str, expected: int) -> dict[str, tuple[float, float, float]]:
    """When ingest accepted each declaration of a run, when it was decided and stored (once all are, or after two
    minutes)."""
    stored: dict[str, tuple[float, float, float]] = {}
    deadline = time.monotonic() + 120
    while len(stored) < expected and time.monotonic() < deadline:
        await asyncio.sleep(1)
        with sqlite3.connect(gateway_db) as connection:
            rows = connection.execute(
                "SELECT subject_id, received_at, decided_at, stored_at FROM decisions WHERE subject_id LIKE ?",
                (f"{tag}%",),
            ).fetchall()
        stored = {subject: (_epoch(received), _epoch(decided), _epoch(at)) for subject, received, decided, at in rows}
    return stored


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
    services: ServiceSet,
    base: list[dict[str, object]],
    rates: list[float],
    seconds: float,
    broker_pid: int | None = None,
) -> dict[str, object]:
    """Start the services, measure (d), (e) and (f); stop them."""
    gateway = services.start("gateway")
    scoring = services.start("scoring")
    ingest = services.start("ingest")
    watchlist = services.start("watchlist")
    pids = {"ingest": ingest.pid, "scoring": scoring.pid, "api-gateway": gateway.pid, "broker": broker_pid}
    meter = CpuMeter({name: pid for name, pid in pids.items() if pid is not None})
    try:
        url = f"{ingest.url}/v1/declarations"
        single = await ingest_throughput(url, base, 1, seconds, meter)
        batches = await ingest_throughput(url, base, 100, seconds, meter)
        results: dict[str, object] = {"ingest_single": single, "ingest_batch_100": batches}
        gateway_db = Path(services.gateway_database_url.split("///", 1)[1])
        # (e) must measure latency, not the backlog (d) left: wait until every accepted declaration is stored.
        accepted = 0
        for run_result in (single, batches):
            rate, elapsed = run_result["declarations_per_s"], run_result["seconds"]
            assert isinstance(rate, float)
            assert isinstance(elapsed, float)
            accepted += int(rate * elapsed)
        results["backlog_drain_s"] = await _drain(gateway_db, accepted)
        results["end_to_end"] = [
            await end_to_end(url, gateway_db, base, rate, seconds, f"E{int(rate)}-", meter) for rate in rates
        ]
        results["load_generator"] = (
            "one Python process on the same cores: bodies encoded before the clock starts, a minimal HTTP/1.1 "
            "keep-alive client (16 connections for ingest, up to 64 for end to end)"
        )
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
