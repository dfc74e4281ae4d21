"""Amendments in the decision store on SQLite and PostgreSQL: versions, both delivery orders, replays, lane floor,
the migration from the insert-once store."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.service import decision_history, decisions_after, get_decision, last_decision_id
from portcullis.gateway.decisions.writes import store_decisions
from portcullis.gateway.statistics.service import compute_statistics
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def version(subject_id: str, digest: str, lane: Lane, received_s: int, rule: str | None = None) -> Decision:
    """A decision about content `digest`, received `received_s` seconds after T0."""
    reasons = [Reason(kind=ReasonKind.MODEL, text="risk score", code="score", weight=0.1)]
    if rule:
        reasons.append(Reason(kind=ReasonKind.RULE, text="listed goods", code=rule))
    received = T0 + timedelta(seconds=received_s)
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=lane,
        score=0.1,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=reasons,
        attributes={"office_id": "30"},
        submitted_at=received - timedelta(seconds=1),
        received_at=received,
        decided_at=received + timedelta(seconds=1),
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


async def store(sessions: async_sessionmaker[AsyncSession], *decisions: Decision) -> int:
    async with sessions.begin() as session:
        return await store_decisions(session, decisions)


async def current(sessions: async_sessionmaker[AsyncSession], subject_id: str) -> Decision:
    async with sessions() as session:
        found = await get_decision(session, Stream.DECLARATION, subject_id)
    assert found is not None
    return found


async def history(sessions: async_sessionmaker[AsyncSession], subject_id: str) -> list[tuple[int, str, str]]:
    """(version, content digest's first letter, lane) of every version, the first first."""
    async with sessions() as session:
        found = await decision_history(session, Stream.DECLARATION, subject_id)
    assert found is not None
    assert found.current_version == found.versions[-1].version
    return [(v.version, (v.content_digest or "?")[0], v.lane.value) for v in found.versions]


async def test_an_amendment_becomes_current_and_the_first_version_stays_in_the_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await store(sessions, version("X", "a", Lane.GREEN, 0)) == 1
    async with sessions() as session:
        first_event = await last_decision_id(session)
    assert await store(sessions, version("X", "b", Lane.YELLOW, 5, rule="R-1")) == 1
    now = await current(sessions, "X")
    assert (now.lane, now.version, now.amended, now.content_digest) == (Lane.YELLOW, 2, True, "b" * 64)
    assert await history(sessions, "X") == [(1, "a", "green"), (2, "b", "yellow")]
    # The live stream's reading of the store sees the subject again, as version 2.
    async with sessions() as session:
        again = await decisions_after(session, first_event, DecisionFilter(), 10)
        statistics = await compute_statistics(session, DecisionFilter(stream=Stream.DECLARATION))
    assert [(row.subject_id, row.version) for row in again] == [("X", 2)]
    assert (statistics.decisions, statistics.amended) == (1, 1)  # one subject, counted once, amended
    assert statistics.lanes["yellow"].decisions == 1
    assert statistics.lanes["green"].decisions == 0
    assert set(statistics.rules) == {"R-1"}


async def test_a_replay_of_the_same_messages_stores_nothing_twice(sessions: async_sessionmaker[AsyncSession]) -> None:
    messages = [version("X", "a", Lane.GREEN, 0), version("X", "b", Lane.YELLOW, 5)]
    assert await store(sessions, *messages) == 2  # one batch: the first, then its amendment
    async with sessions() as session:
        last_event = await last_decision_id(session)
    assert await store(sessions, *messages) == 0
    assert await store(sessions, messages[1]) == 0
    assert await store(sessions, messages[0]) == 0
    assert await history(sessions, "X") == [(1, "a", "green"), (2, "b", "yellow")]
    async with sessions() as session:
        assert await last_decision_id(session) == last_event


async def test_a_version_delivered_late_takes_its_place_in_the_history_and_never_becomes_current(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The newer content's decision is stored first (a rebalance), the older one after it.
    await store(sessions, version("Y", "b", Lane.YELLOW, 5))
    await store(sessions, version("Y", "a", Lane.GREEN, 0))
    now = await current(sessions, "Y")
    assert (now.content_digest, now.lane, now.version) == ("b" * 64, Lane.YELLOW, 2)
    assert await history(sessions, "Y") == [(1, "a", "green"), (2, "b", "yellow")]
    # A third content between the two.
    await store(sessions, version("Y", "c", Lane.GREEN, 3))
    assert await history(sessions, "Y") == [(1, "a", "green"), (2, "c", "green"), (3, "b", "yellow")]
    assert (await current(sessions, "Y")).content_digest == "b" * 64


async def test_an_amendment_never_lowers_a_red_selection_in_either_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # In order: red, then a harmless amendment that scoring (lagging) decided green.
    await store(sessions, version("Z", "a", Lane.RED, 0), version("Z", "b", Lane.GREEN, 5))
    now = await current(sessions, "Z")
    assert (now.lane, now.version, now.content_digest) == (Lane.RED, 2, "b" * 64)
    assert [r.text for r in now.reasons if r.kind is ReasonKind.AMENDMENT] == [
        "amended after selection: the earlier red lane stands"
    ]
    # Reversed: the harmless newer version stored first, the red older one late.
    await store(sessions, version("W", "b", Lane.GREEN, 5))
    await store(sessions, version("W", "a", Lane.RED, 0))
    now = await current(sessions, "W")
    assert (now.lane, now.version, now.content_digest) == (Lane.RED, 2, "b" * 64)
    assert [r.kind for r in now.reasons].count(ReasonKind.AMENDMENT) == 1
    async with sessions() as session:
        statistics = await compute_statistics(session, DecisionFilter(stream=Stream.DECLARATION))
    assert (statistics.decisions, statistics.amended, statistics.lanes["red"].decisions) == (2, 2, 2)


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_migration_keeps_stored_decisions_and_their_outcomes_as_version_1(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0002")
            await connection.execute(
                text(
                    "INSERT INTO decisions (id, stream, subject_id, lane, score, rules_version, watchlist_version,"
                    " random_selection, reasons, submitted_at, received_at, decided_at, stored_at) VALUES"
                    " (7, 'declaration', 'OLD', 'red', 0.9, 'r1', 'w1', false, '[]', :t, :t, :t, :t)"
                ),
                {"t": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO outcomes (decision_id, stream, subject_id, inspected, irregularity_found, severity,"
                    " revenue_recovered, officer_id, inspected_at, recorded_at) VALUES"
                    " (7, 'declaration', 'OLD', true, true, 'major', 10, 'officer-1', :t, :t)"
                ),
                {"t": T0},
            )
        await migrate(engine, MIGRATIONS)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        old = await current(sessions, "OLD")
        assert (old.version, old.amended, old.content_digest, old.lane) == (1, False, None, Lane.RED)
        async with sessions() as session:
            assert await last_decision_id(session) == 7  # a client's Last-Event-ID stays valid
        # Event ids go on from there; an amendment of the old subject keeps its outcome and its red lane.
        assert await store(sessions, version("NEW", "a", Lane.GREEN, 0)) == 1
        assert await store(sessions, version("OLD", "b", Lane.GREEN, 5)) == 1
        async with sessions() as session:
            after = await decisions_after(session, 7, DecisionFilter(), 10)
            assert [row.subject_id for row in after] == ["NEW", "OLD"]
            assert after[0].event_id == 8
            outcomes = (await session.execute(text("SELECT count(*) FROM outcomes"))).scalar_one()
        assert outcomes == 1
        # A pod of the previous release, still running during the rollout, inserts a row without an event id.
        async with sessions.begin() as session:
            await session.execute(
                text(
                    "INSERT INTO decisions (stream, subject_id, lane, score, rules_version, watchlist_version,"
                    " random_selection, reasons, submitted_at, received_at, decided_at, stored_at) VALUES"
                    " ('declaration', 'ROLLOUT', 'green', 0.1, 'r1', 'w1', false, '[]', :t, :t, :t, :t)"
                ),
                {"t": T0},
            )
        assert await store(sessions, version("NEXT", "a", Lane.GREEN, 0)) == 1
        async with sessions() as session:
            after = await decisions_after(session, 7, DecisionFilter(), 10)
        assert [row.subject_id for row in after] == ["NEW", "OLD", "ROLLOUT", "NEXT"]
        amended = await current(sessions, "OLD")
        assert (amended.version, amended.lane) == (2, Lane.RED)
        assert await history(sessions, "OLD") == [(1, "?", "red"), (2, "b", "red")]
    finally:
        await engine.dispose()
