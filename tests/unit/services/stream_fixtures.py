"""Helpers for scoring the passenger and container streams in process: topic records, lists, a capturing publisher."""

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from portcullis.scoring.lists import ListState
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import Message
from portcullis.shared.schemas import Decision, Lane, Stream
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.review import ReviewRecord, Verdict, review_key

PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
SETTINGS = ScoringSettings(random_selection_rate=0.0)


@dataclass
class FakeRecord:
    """A consumed message as handlers see it."""

    key: bytes | None
    value: bytes | None
    offset: int = 0
    timestamp: int = 1_767_225_600_000  # 2026-01-01
    topic: str = "t"
    partition: int = 0
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class CapturingPublisher:
    """Keeps what a pipeline publishes."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish(self, messages: list[Message]) -> None:
        self.messages.extend(messages)

    def decisions(self) -> dict[str, Decision]:
        """The last decision published about each subject."""
        return {
            m.key.decode(): Decision.model_validate_json(m.value)
            for m in self.messages
            if m.key and m.value and m.topic.endswith("decisions")
        }

    def selections(self) -> dict[str, dict[str, Any]]:
        """The last message on the `selections` topic per key (`stream:subject_id`)."""
        return {
            m.key.decode(): orjson.loads(m.value)
            for m in self.messages
            if m.key and m.value and m.topic.endswith("selections")
        }


def document_record(offset: int, kind: str, document_id: str, body: dict[str, Any]) -> FakeRecord:
    """A watchlist topic message: an entry (`kind="entry"`) or a rule (`kind="rule"`)."""
    document = {
        "type": kind,
        "id": document_id,
        "version": 1,
        "changed_by": "analyst",
        "changed_at": "2026-01-01T00:00:00Z",
        kind: body,
    }
    return FakeRecord(f"{kind}:{document_id}".encode(), orjson.dumps(document), offset)


def lists_with(*documents: tuple[str, str, dict[str, Any]]) -> ListState:
    """A ListState holding the given (kind, id, body) documents."""
    state = ListState()
    state.apply([document_record(n, *d) for n, d in enumerate(documents)], live=False)  # type: ignore[misc]
    return state


def passenger(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(PASSENGER)
    document.update(changes)
    return document


def container(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(CONTAINER)
    document.update(changes)
    return document


def records(documents: list[dict[str, Any]], id_field: str) -> list[FakeRecord]:
    return [FakeRecord(str(d[id_field]).encode(), orjson.dumps(d), n) for n, d in enumerate(documents)]


NOW = datetime(2026, 3, 1, tzinfo=UTC)


def verdict(subject_key: str, entry_id: str, entry_version: int, verdict: str, review_id: int = 1) -> FakeRecord:
    """A `reviews` topic record: an analyst's verdict on a possible match, as the gateway publishes it."""
    record = ReviewRecord(
        review_id=review_id,
        verdict=Verdict(verdict),
        stream=Stream.DECLARATION,
        subject_id="D-1",
        subject_key=subject_key,
        entry_id=entry_id,
        entry_version=entry_version,
        list_name="OFAC SDN",
        score=0.9,
        lane=Lane.RED,
        reason="not the same company" if verdict == "dismissed" else None,
        key_id="analyst1",
        reviewed_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    return FakeRecord(review_key(subject_key, entry_id, entry_version), record.model_dump_json().encode())


class NameScoringSpy:
    """A watchlist index that records the names scoring screens (one at a time and in batches) and otherwise is the
    index itself (the compiled index's methods cannot be patched in place)."""

    def __init__(self, index: Any, alone_allowed: bool = True) -> None:
        self._index = index
        self._alone_allowed = alone_allowed
        self.alone: list[str] = []
        self.batches: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)

    def name_scores(self, name: str, *rest: Any) -> Any:
        assert self._alone_allowed, f"a new name scored alone: {name!r}"
        self.alone.append(name)
        return self._index.name_scores(name, *rest)

    def name_scores_many(self, names: list[str], *rest: Any) -> Any:
        self.batches.append(list(names))
        return self._index.name_scores_many(names, *rest)

    def scored(self) -> list[str]:
        """Every name scored, in order (one at a time or in a batch)."""
        return [*self.alone, *(name for batch in self.batches for name in batch)]
