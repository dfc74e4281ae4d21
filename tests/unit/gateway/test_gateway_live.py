"""The live broadcaster: filters, bounded queues, slow clients disconnected with a reason, heartbeats."""

import asyncio
from typing import Any

from portcullis.gateway.decisions.live import Broadcaster, LiveDecision, event_stream
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.shared.schemas import Lane, Stream


def _event(row_id: int, lane: str = "red", stream: str = "declaration") -> LiveDecision:
    return LiveDecision(row_id, stream, lane, f'{{"n":{row_id}}}')


def _stream(broadcaster: Broadcaster, criteria: DecisionFilter, heartbeat_s: float = 5) -> Any:
    # Without Last-Event-ID the store is never read: no session factory needed.
    return event_stream(broadcaster, None, criteria, None, heartbeat_s)  # type: ignore[arg-type]


async def test_a_client_gets_matching_decisions_in_order_and_heartbeats_while_idle() -> None:
    broadcaster = Broadcaster(capacity=10)
    stream = _stream(broadcaster, DecisionFilter(stream=Stream.DECLARATION, lanes=(Lane.RED,)), heartbeat_s=0.05)
    assert (await anext(stream)).startswith("retry: ")
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    broadcaster.publish([_event(1), _event(2, lane="green"), _event(3, stream="passenger"), _event(4)])
    assert await waiting == 'id: 1\nevent: decision\ndata: {"n":1}\n\n'
    assert await anext(stream) == 'id: 4\nevent: decision\ndata: {"n":4}\n\n'
    assert await anext(stream) == ": heartbeat\n\n"
    await stream.aclose()


async def test_a_client_that_falls_behind_is_disconnected_with_a_reason_and_others_go_on() -> None:
    broadcaster = Broadcaster(capacity=4)
    slow = _stream(broadcaster, DecisionFilter())
    fast = _stream(broadcaster, DecisionFilter())
    await anext(slow)
    await anext(fast)
    fast_next = asyncio.ensure_future(anext(fast))
    await asyncio.sleep(0)
    broadcaster.publish([_event(1), _event(2)])
    assert (await fast_next).startswith("id: 1\n")
    assert (await anext(fast)).startswith("id: 2\n")
    broadcaster.publish([_event(3), _event(4), _event(5), _event(6)])  # the slow one has not read anything
    received = [await anext(slow) for _ in range(5)]
    assert [text.split("\n")[0] for text in received[:4]] == ["id: 1", "id: 2", "id: 3", "id: 4"]
    assert received[4].startswith("event: close\n")
    assert "fell behind by more than 4 decisions" in received[4]
    assert [text async for text in slow] == []
    assert [(await anext(fast)).split("\n")[0] for _ in range(4)] == ["id: 3", "id: 4", "id: 5", "id: 6"]
    await fast.aclose()


async def test_closing_the_broadcaster_ends_every_stream_with_the_reason() -> None:
    broadcaster = Broadcaster(capacity=3)
    stream = _stream(broadcaster, DecisionFilter())
    await anext(stream)
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    broadcaster.close("server shutting down")
    assert await waiting == 'event: close\ndata: {"reason":"server shutting down"}\n\n'
    assert [text async for text in stream] == []
