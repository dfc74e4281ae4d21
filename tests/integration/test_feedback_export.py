"""The gateway's feedback export on SQLite and PostgreSQL: current versions only, outcomes attached, declarations
only, the decision-time window, and every row across pages."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.writes import store_decisions
from portcullis.gateway.exports.schemas import FeedbackRecord
from portcullis.gateway.exports.service import feedback_records
from portcullis.gateway.outcomes.service import record_outcome
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def decision(
    subject_id: str, lane: Lane, at_s: int, digest: str = "a", stream: Stream = Stream.DECLARATION
) -> Decision:
    decided = T0 + timedelta(seconds=at_s)
    return Decision(
        stream=stream,
        subject_id=subject_id,
        lane=lane,
        score=0.5,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=[Reason(kind=ReasonKind.RANDOM, text="selected at random", weight=0.05)],
        random_selection=lane is Lane.RED,
        submitted_at=decided - timedelta(seconds=2),
        received_at=decided - timedelta(seconds=1),
        decided_at=decided,
        content_digest=digest * 64,
    )


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS)
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def exported(
    sessions: async_sessionmaker[AsyncSession], criteria: DecisionFilter, page_size: int
) -> list[FeedbackRecord]:
    return [record async for page in feedback_records(sessions, criteria, page_size) for record in page]


async def test_the_export_holds_each_declarations_current_decision_with_its_outcome(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await store_decisions(session, [decision(f"D{n}", Lane.GREEN, n) for n in range(7)])
        await store_decisions(session, [decision("P1", Lane.RED, 3, stream=Stream.PASSENGER)])
    async with sessions.begin() as session:  # D2 amended: a second version, red, decided later
        await store_decisions(session, [decision("D2", Lane.RED, 100, digest="b")])
    async with sessions.begin() as session:
        report = InspectionOutcome(
            inspected=True, irregularity_found=True, severity="minor", officer_id="OFF-7", inspected_at=T0
        )
        await record_outcome(session, Stream.DECLARATION, "D2", report)

    everything = DecisionFilter(stream=Stream.DECLARATION)
    records = await exported(sessions, everything, page_size=3)  # pages of 3: a full page, then short ones
    assert [r.subject_id for r in records] == [f"D{n}" for n in range(7)]
    amended = next(r for r in records if r.subject_id == "D2")
    assert (amended.version, amended.lane, amended.random_selection) == (2, "red", True)
    assert (amended.inspected, amended.irregularity_found) == (True, True)
    assert amended.decided_at == T0 + timedelta(seconds=100)
    assert amended.reasons[0]["weight"] == 0.05
    assert all(r.inspected is None and r.irregularity_found is None for r in records if r.subject_id != "D2")
    assert await exported(sessions, everything, page_size=7) == records  # a page exactly as large as the store

    window = DecisionFilter(
        stream=Stream.DECLARATION, decided_from=T0 + timedelta(seconds=1), decided_to=T0 + timedelta(seconds=4)
    )
    assert [r.subject_id for r in await exported(sessions, window, page_size=2)] == ["D1", "D3"]


async def test_the_export_gives_the_latest_version_of_a_corrected_outcome(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await store_decisions(session, [decision(f"D{n}", Lane.RED, n) for n in range(3)])
    found = InspectionOutcome(
        inspected=True, irregularity_found=True, severity="major", officer_id="OFF-7", inspected_at=T0
    )
    corrected = InspectionOutcome(
        inspected=True,
        irregularity_found=False,
        officer_id="OFF-7",
        inspected_at=T0,
        correction_reason="laboratory: the powder is the declared supplement",
    )
    async with sessions.begin() as session:
        await record_outcome(session, Stream.DECLARATION, "D1", found)
        await record_outcome(session, Stream.DECLARATION, "D2", found)
    async with sessions.begin() as session:
        assert (await record_outcome(session, Stream.DECLARATION, "D1", corrected)).outcome.version == 2

    records = {r.subject_id: r for r in await exported(sessions, DecisionFilter(stream=Stream.DECLARATION), 2)}
    assert len(records) == 3  # the superseded version adds no line
    assert (records["D1"].inspected, records["D1"].irregularity_found) == (True, False)
    assert (records["D2"].inspected, records["D2"].irregularity_found) == (True, True)
    assert records["D0"].inspected is None
