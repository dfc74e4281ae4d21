"""The decision store on SQLite and PostgreSQL: migrations, idempotent writes, reads as written."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.store import get_decision, store_decisions
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream

pytestmark = pytest.mark.integration


def _decision(subject_id: str, lane: Lane = Lane.RED, score: float = 0.91) -> Decision:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=lane,
        score=score,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=[
            Reason(
                kind=ReasonKind.MODEL,
                text="unit value 84% below the usual for HS 851712 from CN",
                code="unit_value_vs_hs6",
                weight=0.8,
            )
        ],
        submitted_at=now - timedelta(seconds=3),
        received_at=now - timedelta(seconds=2),
        decided_at=now,
    )


async def test_a_redelivered_decision_is_stored_once_and_reads_back_as_written(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS)
        await migrate(engine, MIGRATIONS)  # a second start changes nothing
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        first = [_decision("A1"), _decision("A2", Lane.GREEN, 0.05)]
        async with sessions.begin() as session:
            assert await store_decisions(session, first) == 2
        # Redelivery after a crash, even with a different lane (a later re-score), keeps the first decision.
        async with sessions.begin() as session:
            await store_decisions(session, [_decision("A1", Lane.GREEN, 0.1), _decision("A3")])
        async with sessions() as session:
            assert await get_decision(session, Stream.DECLARATION, "A1") == first[0]
            assert await get_decision(session, Stream.DECLARATION, "A2") == first[1]
            assert (await get_decision(session, Stream.DECLARATION, "A3")) is not None
            assert await get_decision(session, Stream.PASSENGER, "A1") is None
    finally:
        await engine.dispose()
