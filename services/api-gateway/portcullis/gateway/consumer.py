"""Consuming decisions into the store: one transaction per batch, committed before the offsets; then the live
stream's tail is woken. Every distinct content of a subject is stored once (see decisions/writes.py)."""

from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.db import WriteGate
from portcullis.gateway.decisions.live import StoreTail
from portcullis.gateway.decisions.writes import NewDecision, insert_decisions
from portcullis.gateway.metrics import DECISIONS_STORED, OVERRIDES_KEPT, RECEIPT_TO_STORAGE
from portcullis.gateway.reviews.service import queue_possible_matches
from portcullis.shared.kafka import DeadLetter, Record
from portcullis.shared.kafka.decoding import decode_batch
from portcullis.shared.logging import get_logger
from portcullis.shared.metrics import observe_many
from portcullis.shared.schemas import Decision

log = get_logger(__name__)


class DecisionSink:
    """The batch handler that stores each decision's content once and wakes the live stream's tail for what changed."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writes: WriteGate | None = None,
        live: StoreTail | None = None,
    ) -> None:
        self._sessions = sessions
        self._writes = writes
        self._live = live

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Store the batch's decisions in one transaction; return the records that are not decisions."""
        decoded = decode_batch(records, Decision, "invalid_decision")
        decisions, dead = decoded.items, decoded.dead
        # The same decision can appear twice in one batch after a redelivery: keep the first of each content, in
        # order (other contents of one subject are amendments, stored in the order they come).
        unique = list({(d.stream, d.subject_id, d.content_digest): d for d in reversed(decisions)}.values())[::-1]
        async with self._writes or nullcontext(), self._sessions.begin() as session:
            new = await insert_decisions(session, unique)
            # Possible matches wait for an analyst in the review queue (stored with their decisions, atomically).
            await queue_possible_matches(session, new)
        # Only after the commit: live clients never see a decision that a rollback could take back.
        self._after_commit(new)
        log.debug("decisions_stored", received=len(decisions), new=len(new))
        return dead

    def _after_commit(self, new: list[NewDecision]) -> None:
        committed = datetime.now(UTC)
        for (stream, lane), count in Counter((n.decision.stream.value, n.decision.lane.value) for n in new).items():
            DECISIONS_STORED.labels(stream, lane).inc(count)
        latencies: dict[str, list[float]] = {}
        for item in new:
            if item.decision.override is not None:
                OVERRIDES_KEPT.labels(item.decision.stream.value).inc()
            latency = max(0.0, (committed - item.decision.received_at).total_seconds())
            latencies.setdefault(item.decision.stream.value, []).append(latency)
        for stream, observed in latencies.items():
            observe_many(RECEIPT_TO_STORAGE.labels(stream), observed)
        if self._live is not None and new:
            self._live.wake()
