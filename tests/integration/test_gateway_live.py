"""Following decisions live over Server-Sent Events: every new decision once, in order, across reconnects."""

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli.processes import ServiceSet
from portcullis.shared.schemas import Decision
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, wait_for
from tests.integration.test_gateway_decisions import make_decision, wait_stored

pytestmark = pytest.mark.integration


@dataclass
class Event:
    """One server-sent event (or a comment line, as `comment`)."""

    id: int | None = None
    event: str | None = None
    data: str | None = None
    comment: str | None = None


class EventReader:
    """Parses a text/event-stream response into events."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, timeout_s: float = 20) -> Event:
        """The next event or comment."""
        event = Event()
        async with asyncio.timeout(timeout_s):
            async for line in self._lines:
                if line.startswith(":"):
                    return Event(comment=line[1:].strip())
                if not line:
                    if event.data is not None or event.event is not None:
                        return event
                    continue
                name, _, value = line.partition(": ")
                if name == "id":
                    event.id = int(value)
                elif name in {"event", "data"}:
                    setattr(event, name, value)
        raise AssertionError("the stream ended")

    async def decisions(self, count: int) -> list[Event]:
        """The next `count` decision events (skipping heartbeats)."""
        found: list[Event] = []
        while len(found) < count:
            event = await self.next()
            assert event.event != "close", event.data
            if event.event == "decision":
                found.append(event)
        return found


@asynccontextmanager
async def follow(
    http: httpx.AsyncClient, url: str, last_event_id: int | None = None, params: dict[str, Any] | None = None
) -> AsyncIterator[EventReader]:
    """An open live stream."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    async with http.stream("GET", f"{url}/v1/decisions/stream", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


async def test_a_client_gets_every_decision_once_in_order_across_a_reconnect_with_last_event_id(
    gateway_set: ServiceSet, kafka: KafkaSettings, database_url: str, http: httpx.AsyncClient
) -> None:
    rng = random.Random(3)
    batch_a = [make_decision(index, rng) for index in range(40)]
    batch_b = [make_decision(index, rng) for index in range(40, 100)]
    batch_c = [make_decision(index, rng) for index in range(100, 130)]
    gateway = gateway_set.start(
        "gateway", {"PORTCULLIS_GATEWAY_DATABASE_URL": database_url, "PORTCULLIS_GATEWAY_LIVE_HEARTBEAT_S": "0.5"}
    )
    await publish_decisions(kafka, batch_a)
    await wait_stored(http, gateway.url, len(batch_a))

    received: list[Event] = []
    async with follow(http, gateway.url, last_event_id=0) as stream:
        received += await stream.decisions(len(batch_a))  # replayed from the store
        await publish_decisions(kafka, batch_b)
        received += await stream.decisions(25)  # live
    # Disconnected: the rest of B and all of C are stored meanwhile.
    await publish_decisions(kafka, batch_c)
    await wait_stored(http, gateway.url, 130)
    async with follow(http, gateway.url, last_event_id=received[-1].id) as stream:
        received += await stream.decisions(130 - len(received))
        idle = await stream.next()
        while idle.comment and not idle.comment.startswith("heartbeat"):
            idle = await stream.next()
        assert idle.comment == "heartbeat"  # nothing more: no decision twice, heartbeats while idle

    ids = [event.id for event in received]
    assert all(isinstance(i, int) for i in ids)
    assert ids == sorted(set(ids))  # strictly increasing: once each, in store order
    by_subject = {d["subject_id"]: d for d in batch_a + batch_b + batch_c}
    got = [Decision.model_validate_json(event.data or "") for event in received]
    assert sorted(d.subject_id for d in got) == sorted(by_subject)
    assert all(d == Decision.model_validate(by_subject[d.subject_id]) for d in got)

    # A lane filter, resumed by query parameter (browsers' EventSource cannot set the header at first).
    reds = sorted(d["subject_id"] for d in by_subject.values() if d["lane"] == "red")
    async with follow(http, gateway.url, params={"lane": "red", "after_id": "0"}) as stream:
        red_events = await stream.decisions(len(reds))
        assert sorted(orjson.loads(e.data or "")["subject_id"] for e in red_events) == reds
        # SIGTERM ends open streams with a reason, so the gateway stops at once instead of waiting for clients.
        started = time.monotonic()
        stopping = asyncio.get_running_loop().run_in_executor(None, gateway.stop)
        closing = await stream.next()
        while closing.event != "close":
            closing = await stream.next()
        assert orjson.loads(closing.data or "") == {"reason": "server shutting down"}
        await stopping
    assert time.monotonic() - started < 15


def _partitions_consumed(metrics: str) -> set[int]:
    """The `decisions` partitions a gateway replica reports a lag for: the ones it owns."""
    return {
        int(line.split('partition="', 1)[1].split('"', 1)[0])
        for line in metrics.splitlines()
        if line.startswith("portcullis_consumer_lag{") and 'topic="' in line and "decisions" in line
    }


def _stored_here(metrics: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("portcullis_gateway_decisions_stored_total{")
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_replica_streams_what_every_replica_stores(
    gateway_set: ServiceSet, kafka: KafkaSettings, database_url: str, http: httpx.AsyncClient
) -> None:
    # Two replicas in one consumer group on one PostgreSQL store: each stores the decisions of its partitions.
    env = {"PORTCULLIS_GATEWAY_DATABASE_URL": database_url, "PORTCULLIS_GATEWAY_LIVE_POLL_S": "0.1"}
    first = gateway_set.start("gateway", env)
    second = gateway_set.start("gateway", {**env, "PORTCULLIS_GATEWAY_MIGRATE_ON_START": "false"})

    async def split() -> bool:
        owned = [_partitions_consumed((await http.get(f"{g.url}/metrics")).text) for g in (first, second)]
        return all(owned) and not owned[0] & owned[1] and owned[0] | owned[1] == set(range(6))

    await wait_for(split, timeout_s=60, interval_s=0.5)
    rng = random.Random(5)
    decisions = [make_decision(index, rng) for index in range(60)]
    async with follow(http, first.url) as stream:
        await stream.next()  # the stream's opening comment: following from now on
        await publish_decisions(kafka, decisions)
        async with asyncio.timeout(30):
            received = await stream.decisions(len(decisions))
    assert sorted(orjson.loads(e.data or "")["subject_id"] for e in received) == sorted(
        str(d["subject_id"]) for d in decisions
    )
    ids = [event.id for event in received]
    assert ids == sorted(set(ids))  # in store order, once each
    # Both replicas stored some of them: the first one's clients got the second one's too.
    stored = [_stored_here((await http.get(f"{g.url}/metrics")).text) for g in (first, second)]
    assert min(stored) > 0
    assert sum(stored) == len(decisions)
