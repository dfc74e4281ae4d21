"""Following decisions live: the store's new rows fanned out to this process's clients, and the SSE event stream.

Every gateway replica follows the store itself (`StoreTail`), so its clients see the decisions every replica
stores, not only those of the `decisions` partitions it consumes. Rows commit in id order (see
`insert_decisions`), so reading after the last id seen misses none. An amended decision is written with a new
event id, so it comes again, with its new version.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.service import decisions_after, last_decision_id
from portcullis.gateway.metrics import LIVE_CLIENTS, LIVE_DISCONNECTS
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Decision

log = get_logger(__name__)
REPLAY_PAGE = 500


@dataclass(frozen=True)
class LiveDecision:
    """A newly stored decision, serialised once for every client."""

    id: int
    stream: str
    lane: str
    data: str
    office_id: str | None = None

    @classmethod
    def of(cls, row_id: int, decision: Decision) -> "LiveDecision":
        """The live event of a decision stored under `row_id`."""
        return cls(
            row_id,
            decision.stream.value,
            decision.lane.value,
            decision.model_dump_json(),
            decision.attributes.get("office_id"),
        )

    @classmethod
    def of_row(cls, row: DecisionRow) -> "LiveDecision":
        """The live event of a stored row (replay)."""
        return cls.of(row.event_id, row.to_decision())

    def matches(self, criteria: DecisionFilter) -> bool:
        """Whether the event passes a client's stream, lane and office filters."""
        if criteria.stream is not None and criteria.stream.value != self.stream:
            return False
        if criteria.office_id is not None and criteria.office_id != self.office_id:
            return False  # the console's queue of one office (the API's live stream has no office filter)
        return not criteria.lanes or self.lane in {lane.value for lane in criteria.lanes}


class StreamLimitError(Exception):
    """The key already holds as many live streams as it may."""


class Subscription:
    """One client's bounded queue; overflowing marks it as fallen behind instead of blocking the consumer."""

    def __init__(self, criteria: DecisionFilter, capacity: int, key_id: str | None = None) -> None:
        self.criteria = criteria
        self.key_id = key_id
        self._capacity = capacity
        self._events: deque[LiveDecision] = deque()
        self._wake = asyncio.Event()
        self.overflowed = False
        self.closed_reason: str | None = None

    def offer(self, event: LiveDecision) -> None:
        """Queue an event if it matches; never blocks."""
        if self.overflowed or self.closed_reason or not event.matches(self.criteria):
            return
        if len(self._events) >= self._capacity:
            self.overflowed = True
        else:
            self._events.append(event)
        self._wake.set()

    def close(self, reason: str) -> None:
        """End the subscription (server shutting down, key revoked)."""
        self.closed_reason = reason
        self._wake.set()

    async def take(self, timeout_s: float) -> list[LiveDecision]:
        """Every queued event, waiting up to `timeout_s` for one (an empty list on timeout or close)."""
        if not self._events and not self.overflowed and not self.closed_reason:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout_s)
            except TimeoutError:
                pass
        self._wake.clear()
        events = list(self._events)
        self._events.clear()
        return events


class Broadcaster:
    """Fans newly stored decisions out to the live clients of this process."""

    def __init__(self, capacity: int, streams_per_key: int | None = None) -> None:
        self.capacity = capacity
        self.streams_per_key = streams_per_key
        self._subscriptions: set[Subscription] = set()

    def admits(self, key_id: str | None) -> bool:
        """Whether the key may open one more stream."""
        if key_id is None or self.streams_per_key is None:
            return True
        return sum(1 for s in self._subscriptions if s.key_id == key_id) < self.streams_per_key

    def subscribe(self, criteria: DecisionFilter, key_id: str | None = None) -> Subscription:
        """A new client's subscription (StreamLimitError when its key holds as many as it may)."""
        if not self.admits(key_id):
            raise StreamLimitError(key_id)
        subscription = Subscription(criteria, self.capacity, key_id)
        self._subscriptions.add(subscription)
        LIVE_CLIENTS.set(len(self._subscriptions))
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a client."""
        self._subscriptions.discard(subscription)
        LIVE_CLIENTS.set(len(self._subscriptions))

    @property
    def following(self) -> bool:
        """Whether any client follows."""
        return bool(self._subscriptions)

    def publish(self, events: Iterable[LiveDecision]) -> None:
        """Offer committed decisions (in id order) to every client; called by the store tail.

        With nobody following, the events are not even built (each is a decision serialised to JSON).
        """
        if not self._subscriptions:
            return
        batch = list(events)
        if not batch:
            return
        for subscription in list(self._subscriptions):
            for event in batch:
                subscription.offer(event)

    def close(self, reason: str) -> None:
        """End every client's stream (the server is shutting down)."""
        for subscription in list(self._subscriptions):
            subscription.close(reason)

    def revoke(self, key_id: str) -> None:
        """End the streams of a key that was revoked (called by the key ring)."""
        for subscription in list(self._subscriptions):
            if subscription.key_id == key_id:
                subscription.close("API key revoked")


class StoreTail:
    """Reads the decisions stored after the last one it saw and hands them to the broadcaster, in id order.

    The local consumer wakes it right after each of its commits; what other replicas store arrives within
    `poll_s`. While nobody follows, it only notes the store's last id (one indexed query per poll), so that the
    first client gets the decisions stored from then on.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], broadcaster: Broadcaster, poll_s: float) -> None:
        self._sessions = sessions
        self._broadcaster = broadcaster
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._last_id: int | None = None

    def wake(self) -> None:
        """New decisions were committed (called by the local consumer after its commit)."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Follow the store until `stopping` is set; a failing read is logged and tried again at the next poll."""
        while not stopping.is_set():
            try:
                await self.catch_up()
            except Exception as error:  # the database may be away for a while: try again, never stop following
                log.warning("live_tail_failed", error=type(error).__name__)
            # Woken by local commits only while someone follows: otherwise one query per poll is enough.
            wakes = self._wake if self._broadcaster.following else stopping
            try:
                await asyncio.wait_for(wakes.wait(), self._poll_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def catch_up(self) -> None:
        """Hand every decision stored since the last call to the broadcaster (or, with no client, skip them)."""
        if self._last_id is None or not self._broadcaster.following:
            async with self._sessions() as session:
                self._last_id = await last_decision_id(session)
            return
        # The very reading a client's replay does, a page at a time.
        page: list[LiveDecision] = []
        async for event in _replay(self._sessions, self._last_id, DecisionFilter()):
            page.append(event)
            if len(page) == REPLAY_PAGE:
                self._hand_over(page)
                page = []
        self._hand_over(page)

    def _hand_over(self, events: list[LiveDecision]) -> None:
        if events:
            self._broadcaster.publish(events)
            self._last_id = events[-1].id


def _event(event: LiveDecision) -> str:
    return f"id: {event.id}\nevent: decision\ndata: {event.data}\n\n"


def _closing(reason: str) -> str:
    return f"event: close\ndata: {orjson.dumps({'reason': reason}).decode()}\n\n"


async def _replay(
    sessions: async_sessionmaker[AsyncSession], after_id: int, criteria: DecisionFilter
) -> AsyncIterator[LiveDecision]:
    while True:
        async with sessions() as session:
            rows = await decisions_after(session, after_id, criteria, REPLAY_PAGE)
        for row in rows:
            yield LiveDecision.of_row(row)
        if len(rows) < REPLAY_PAGE:
            return
        after_id = rows[-1].event_id


async def event_stream(
    broadcaster: Broadcaster,
    sessions: async_sessionmaker[AsyncSession],
    criteria: DecisionFilter,
    last_event_id: int | None,
    heartbeat_s: float,
    key_id: str | None = None,
) -> AsyncIterator[str]:
    """SSE text: stored decisions after `last_event_id`, then new ones live, with heartbeats; each once, in order."""
    try:
        subscription = broadcaster.subscribe(criteria, key_id)
    except StreamLimitError:  # the route checked; a race of one key's concurrent requests ends here
        yield _closing(f"this API key already holds {broadcaster.streams_per_key} live streams")
        return
    reason = "client disconnected"
    try:
        yield f"retry: 2000\n: following decisions, heartbeat every {heartbeat_s:g} s\n\n"
        sent = last_event_id
        if sent is not None:
            # Subscribed before reading the store: what commits meanwhile is in the queue too, and skipped by id.
            while True:
                async for event in _replay(sessions, sent, criteria):
                    sent = event.id
                    yield _event(event)
                if not subscription.overflowed:
                    break
                # The replay outran the queue: start a fresh subscription and read the store again.
                broadcaster.unsubscribe(subscription)
                subscription = broadcaster.subscribe(criteria, key_id)
        while True:
            events = await subscription.take(heartbeat_s)
            for event in events:
                if sent is None or event.id > sent:
                    sent = event.id
                    yield _event(event)
            if subscription.overflowed:
                reason = "fell behind"
                LIVE_DISCONNECTS.labels(reason).inc()
                log.warning("live_client_fell_behind", capacity=broadcaster.capacity, last_event_id=sent)
                yield _closing(f"client fell behind by more than {broadcaster.capacity} decisions; reconnect")
                return
            if subscription.closed_reason:
                reason = subscription.closed_reason
                LIVE_DISCONNECTS.labels(reason).inc()
                yield _closing(subscription.closed_reason)
                return
            if not events:
                yield ": heartbeat\n\n"
    finally:
        broadcaster.unsubscribe(subscription)
        log.debug("live_client_left", reason=reason)
