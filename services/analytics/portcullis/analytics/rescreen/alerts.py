"""The alerts as this service holds them: the compacted `alerts` topic, read from the start and followed live.

The topic is the store (one partition, compacted to each alert's latest state): the re-screener publishes new
alerts, an acknowledgement publishes the alert again with who, when and the note. Every state applied gets the
topic offset as its event id, which the event stream sends (and resumes from with Last-Event-ID).
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson
from pydantic import ValidationError

from portcullis.shared.kafka import Message, Publisher, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.alert import Alert, AlertStatus
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

#: Events kept per live client before it counts as fallen behind (and is told to reconnect).
SUBSCRIBER_CAPACITY = 1000


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert's state as applied, with its topic offset (the event id)."""

    offset: int
    alert: Alert


class AlertBook:
    """Every alert's latest state, in the order the topic holds them; live subscribers get each change."""

    def __init__(self, kafka: KafkaSettings, publisher: Publisher) -> None:
        self._topic = kafka.topic("alerts")
        self._publisher = publisher
        self._alerts: dict[str, AlertEvent] = {}
        #: Ids published by this process that the topic has not brought back yet (so never raised twice).
        self._published: set[str] = set()
        # Acknowledgements claimed or published whose record the follower has not applied yet: a second
        # acknowledgement meanwhile is refused, not published twice.
        self._acknowledging: set[str] = set()
        self._subscribers: set[asyncio.Queue[AlertEvent | None]] = set()

    def __len__(self) -> int:
        return len(self._alerts)

    def knows(self, alert_id: str) -> bool:
        """Whether this alert was raised already."""
        return alert_id in self._alerts or alert_id in self._published

    def claim_acknowledgement(self, alert_id: str) -> bool:
        """Whether the caller may acknowledge the alert now: not acknowledged, nor being acknowledged (claimed
        before the publish's wait, so that two requests at once cannot both pass). `release` if the publish fails."""
        event = self._alerts.get(alert_id)
        if alert_id in self._acknowledging or (event is not None and event.alert.status is AlertStatus.ACKNOWLEDGED):
            return False
        self._acknowledging.add(alert_id)
        return True

    def release_acknowledgement(self, alert_id: str) -> None:
        """The claimed acknowledgement was not stored."""
        self._acknowledging.discard(alert_id)

    def get(self, alert_id: str) -> Alert | None:
        """The alert's latest state."""
        event = self._alerts.get(alert_id)
        return event.alert if event else None

    async def apply(self, records: list[Record], live: bool) -> None:
        """Apply topic records in order (the follower's callback)."""
        for record in records:
            if record.value is None:
                continue
            try:
                alert = Alert.model_validate_json(record.value)
            except ValidationError as error:
                log.error("alert_unreadable", offset=record.offset, problems=error.error_count())
                continue
            event = AlertEvent(record.offset, alert)
            self._alerts.pop(alert.alert_id, None)  # re-inserted last: the dict keeps the order of the offsets
            self._alerts[alert.alert_id] = event
            self._published.discard(alert.alert_id)
            if alert.status is AlertStatus.ACKNOWLEDGED:
                self._acknowledging.discard(alert.alert_id)
            for queue in list(self._subscribers):
                if queue.qsize() >= SUBSCRIBER_CAPACITY:
                    self._subscribers.discard(queue)
                    queue.put_nowait(None)  # fallen behind: the stream ends, the client reconnects
                else:
                    queue.put_nowait(event)

    async def publish(self, alerts: Iterable[Alert]) -> None:
        """Publish alerts (new ones, or new states) and wait for the broker's acknowledgement."""
        batch = list(alerts)
        await self._publisher.publish(
            [
                Message(self._topic, alert.alert_id.encode(), orjson.dumps(alert.model_dump(mode="json")))
                for alert in batch
            ]
        )
        self._published.update(alert.alert_id for alert in batch)

    def select(
        self,
        status: AlertStatus | None = None,
        stream: Stream | None = None,
        since: datetime | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[AlertEvent]:
        """Alerts by filter, newest state first; `after`: only those whose event id is below it (the next page)."""
        found = []
        for event in reversed(self._alerts.values()):
            alert = event.alert
            if after is not None and event.offset >= after:
                continue
            if status is not None and alert.status != status:
                continue
            if stream is not None and alert.record.stream != stream:
                continue
            if since is not None and alert.raised_at < since:
                continue
            found.append(event)
            if len(found) == limit:
                break
        return found

    def since_event(self, event_id: int) -> list[AlertEvent]:
        """The current states applied after this event id, in order (what a reconnecting client missed)."""
        return [event for event in self._alerts.values() if event.offset > event_id]

    def subscribe(self) -> "asyncio.Queue[AlertEvent | None]":
        """A queue of every change applied from now on (None: fallen behind)."""
        queue: asyncio.Queue[AlertEvent | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[AlertEvent | None]") -> None:
        """Stop sending changes to this queue."""
        self._subscribers.discard(queue)
