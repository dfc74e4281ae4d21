"""Consuming decisions into the store: one transaction per batch, committed before the offsets."""

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.store import store_decisions
from portcullis.shared.http import field_errors
from portcullis.shared.kafka import DeadLetter, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Decision

log = get_logger(__name__)


class DecisionSink:
    """The batch handler that stores decisions exactly once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Store the batch's decisions in one transaction; return the records that are not decisions."""
        decisions: list[Decision] = []
        dead: list[DeadLetter] = []
        for record in records:
            try:
                decisions.append(Decision.model_validate_json(record.value or b""))
            except ValidationError as error:
                reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(error.errors()))
                dead.append(DeadLetter(record, reason, "invalid_decision"))
        # The same subject can appear twice in one batch after a redelivery: keep the first.
        unique = list({(d.stream, d.subject_id): d for d in reversed(decisions)}.values())[::-1]
        async with self._sessions.begin() as session:
            new = await store_decisions(session, unique)
        log.debug("decisions_stored", received=len(decisions), new=new)
        return dead
