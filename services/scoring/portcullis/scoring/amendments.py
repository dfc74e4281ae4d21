"""Amendments after selection: a subject posted again with other content after scoring sent it to red or yellow.

Scoring keeps no state of its own: the subjects it selected are in the compacted `selections` topic (key
`stream:subject_id`; value the lane and the digests of the contents seen since the selection), which every
replica follows from the start. A replica also notes its own selections in its view as it publishes them: one
partition of an input topic is handled in order by one replica, so the view is current for every subject it
scores. A record whose subject was selected with other content is an amendment after selection: its lane is at
least the earlier one (only an officer can lower it), it carries a reason saying so, and rules see
`amended_after_selection`. The same content again is no amendment (a replay decides as before).

Per record this costs a SHA-256 of the record as published (see `content_digest`) and one dict lookup.
"""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from portcullis.scoring.policy import at_least
from portcullis.shared.kafka import CompactedTopicFollower, Message, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Lane, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

#: Digests of a selected subject's contents kept (the latest ones): a replay of any of them is no amendment.
MAX_DIGESTS = 16


def content_digest(published: bytes) -> str:
    """SHA-256 (hex) of a record as published. Ingest publishes the validated record's canonical JSON
    (`model_dump_json`), so the same content posted twice, in whatever key order or spacing, has one digest; a
    producer that goes around ingest gets a digest of what it wrote (another spelling reads as an amendment,
    which can only keep or raise a lane)."""
    return hashlib.sha256(published).hexdigest()


def amendment_reason(earlier: Lane, lane: Lane) -> dict[str, Any]:
    """The reason (in the decision's JSON form) that an amendment after selection carries."""
    if earlier is lane:
        text = f"amended after selection: the earlier {earlier.value} lane stands"
    else:
        text = f"amended after selection (earlier lane {earlier.value})"
    return {"kind": ReasonKind.AMENDMENT.value, "text": text, "code": "amended_after_selection", "weight": None}


def unique_runs(subject_ids: Sequence[str]) -> Iterator[slice]:
    """Consecutive slices in which no subject id appears twice (a batch rarely holds one subject twice, and the
    second must see what the first decided)."""
    start = 0
    seen: set[str] = set()
    for position, subject_id in enumerate(subject_ids):
        if subject_id in seen:
            yield slice(start, position)
            start, seen = position, set()
        seen.add(subject_id)
    if start < len(subject_ids):
        yield slice(start, len(subject_ids))


@dataclass(frozen=True, slots=True)
class SelectionMark:
    """A subject scoring selected: the strictest lane it gave it, and the digests of the contents seen since."""

    lane: Lane
    digests: tuple[str, ...]

    def merged(self, lane: Lane, digests: Sequence[str]) -> "SelectionMark":
        """This mark with a further lane and digests (the stricter lane; the latest MAX_DIGESTS digests)."""
        known = self.digests + tuple(d for d in dict.fromkeys(digests) if d not in self.digests)
        return SelectionMark(at_least(lane, self.lane), known[-MAX_DIGESTS:])


class SelectionView:
    """Scoring's view of the `selections` topic: which subjects were selected, with which lane and contents."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._marks: dict[tuple[str, str], SelectionMark] = {}

    def __len__(self) -> int:
        return len(self._marks)

    def earlier_lane(self, stream: Stream, subject_id: str, digest: str) -> Lane | None:
        """The lane of the subject's earlier selection when this content is new since; None otherwise."""
        mark = self._marks.get((stream.value, subject_id))
        if mark is None or digest in mark.digests:
            return None
        return mark.lane

    def note(self, stream: Stream, subject_id: str, lane: Lane, digest: str) -> Message | None:
        """Note a decision in the view; the message for the `selections` topic when the view changed.

        Green decisions about subjects never selected change nothing (the topic holds selected subjects only).
        """
        key = (stream.value, subject_id)
        mark = self._marks.get(key)
        if mark is None:
            if lane is Lane.GREEN:
                return None
            updated = SelectionMark(lane, (digest,))
        else:
            updated = mark.merged(lane, (digest,))
            if updated == mark:
                return None
        self._marks[key] = updated
        value = orjson.dumps({"lane": updated.lane.value, "digests": list(updated.digests)})
        return Message(self.topic, f"{stream.value}:{subject_id}".encode(), value)

    def apply(self, records: Sequence[Record]) -> None:
        """Merge topic records into the view (a record older than the view's own note never lowers it)."""
        for record in records:
            stream, _, subject_id = (record.key or b"").decode(errors="replace").partition(":")
            if record.value is None:
                self._marks.pop((stream, subject_id), None)
                continue
            try:
                document = orjson.loads(record.value)
                lane = Lane(document["lane"])
                digests = [str(d) for d in document["digests"]]
            except (KeyError, TypeError, ValueError):  # orjson.JSONDecodeError is a ValueError
                log.warning("selection_record_rejected", offset=record.offset)
                continue
            mark = self._marks.get((stream, subject_id))
            if mark is None:
                self._marks[(stream, subject_id)] = SelectionMark(lane, tuple(digests[-MAX_DIGESTS:]))
            else:
                self._marks[(stream, subject_id)] = mark.merged(lane, digests)


def selections_follower(settings: KafkaSettings, view: SelectionView) -> CompactedTopicFollower:
    """A follower that applies the `selections` topic to `view`; scoring waits for its `caught_up` before scoring."""

    async def apply(records: list[Record], live: bool) -> None:
        view.apply(records)

    return CompactedTopicFollower(settings, "selections", apply)
