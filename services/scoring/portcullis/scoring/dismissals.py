"""The possible matches analysts dismissed, as scoring holds them: the compacted `reviews` topic, from its start.

Every replica follows the topic before it scores (see app.py), so a dismissal survives a restart of scoring; a
later confirmation of the same subject, entry and entry version takes it back (see review.py for how it is used).
"""

import asyncio
from collections.abc import Sequence
from typing import Protocol

from pydantic import ValidationError

from portcullis.scoring.metrics import REVIEWS_APPLIED
from portcullis.shared.kafka import CompactedTopicFollower, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.review import ReviewRecord, Verdict
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)


class Dismissals:
    """The possible matches analysts dismissed: (subject key, entry id, entry version); a later confirmation or a
    tombstone of the same key takes the dismissal back."""

    def __init__(self) -> None:
        self._dismissed: set[tuple[str, str, int]] = set()

    def __len__(self) -> int:
        return len(self._dismissed)

    def dismissed(self, subject_key: str, entry_id: str, entry_version: int) -> bool:
        """Whether this match of this subject on this version of the entry was dismissed."""
        return (subject_key, entry_id, entry_version) in self._dismissed

    def apply(self, records: Sequence[Record]) -> None:
        """Apply `reviews` records in order (verdicts and tombstones)."""
        for record in records:
            if record.value is None:
                self._forget(record.key)
                continue
            try:
                review = ReviewRecord.model_validate_json(record.value)
            except ValidationError as error:
                log.error("review_record_rejected", offset=record.offset, problem=f"{error.error_count()} errors")
                continue
            key = (review.subject_key, review.entry_id, review.entry_version)
            if review.verdict is Verdict.DISMISSED:
                self._dismissed.add(key)
            else:
                self._dismissed.discard(key)
            REVIEWS_APPLIED.labels(review.verdict.value).inc()

    def _forget(self, key: bytes | None) -> None:
        # The key is `subject|entry|version` (review_key); a party's subject key holds a `|` of its own.
        rest, _, version = (key or b"").decode(errors="replace").rpartition("|")
        subject, _, entry_id = rest.rpartition("|")
        if version.isdigit():
            self._dismissed.discard((subject, entry_id, int(version)))


class _Locked(Protocol):
    lock: asyncio.Lock
    dismissals: Dismissals


def reviews_follower(settings: KafkaSettings, state: _Locked) -> CompactedTopicFollower:
    """A follower that applies the `reviews` topic to `state.dismissals` under the lists' lock; scoring waits for
    its `caught_up` before scoring."""

    async def apply(records: list[Record], live: bool) -> None:
        async with state.lock:
            state.dismissals.apply(records)

    return CompactedTopicFollower(settings, "reviews", apply)
