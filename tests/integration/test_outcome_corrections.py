"""Outcome details and corrections in the store, on SQLite and PostgreSQL: versions kept, the latest current,
statistics on the current version, concurrent corrections, and the migration from the single-version store."""

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.writes import store_decisions
from portcullis.gateway.outcomes.service import (
    CorrectedMeanwhileError,
    NothingToCorrectError,
    OutcomeConflictError,
    event_of,
    get_outcome,
    outcome_history,
    record_outcome,
)
from portcullis.gateway.statistics.service import compute_statistics
from portcullis.shared.auth import Role, new_key
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome, OutcomeEvent
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, read_topic
from tests.integration.test_gateway_decisions import make_decision, wait_stored

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEIZURE = {
    "commodity": "cigarettes",
    "quantity": "120",
    "unit": "cartons",
    "value": "5400000.00",
    "currency": "KRW",
    "concealment_method": "hidden_compartment",
}
FOUND = InspectionOutcome.model_validate(
    {
        "inspected": True,
        "irregularity_found": True,
        "severity": "critical",
        "officer_id": "OFF-1042",
        "inspected_at": T0.isoformat(),
        "seizure": SEIZURE,
        "inspection_minutes": 95,
    }
)
NOTHING = InspectionOutcome(
    inspected=True,
    irregularity_found=False,
    officer_id="OFF-1042",
    inspected_at=T0,
    inspection_minutes=95,
    correction_reason="laboratory analysis: the declared supplement",
)


def decision(subject_id: str) -> Decision:
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=Lane.RED,
        score=0.9,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=[Reason(kind=ReasonKind.MODEL, text="risk score", code="score", weight=0.9)],
        attributes={"office_id": "30"},
        submitted_at=T0 - timedelta(seconds=2),
        received_at=T0 - timedelta(seconds=1),
        decided_at=T0,
        content_digest="a" * 64,
    )


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS)
        factory = async_sessionmaker(engine, expire_on_commit=False)
        async with factory.begin() as session:
            await store_decisions(session, [decision(f"D{n}") for n in range(3)])
        yield factory
    finally:
        await engine.dispose()


async def record(sessions: async_sessionmaker[AsyncSession], subject_id: str, report: InspectionOutcome) -> int:
    async with sessions.begin() as session:
        return (await record_outcome(session, Stream.DECLARATION, subject_id, report)).outcome.version


async def test_details_are_stored_and_a_correction_supersedes_keeping_the_first_version(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await record(sessions, "D0", FOUND) == 1
    async with sessions() as session:
        found = await get_outcome(session, Stream.DECLARATION, "D0")
    assert found is not None
    event = event_of(*found)
    assert event.seizure is not None
    assert event.seizure.quantity == Decimal(120)
    assert (event.seizure.unit, event.seizure.concealment_method, event.inspection_minutes) == (
        "cartons",
        "hidden_compartment",
        95,
    )
    # The canonical JSON on the topic validates as the contract's OutcomeEvent, with its version.
    assert OutcomeEvent.model_validate_json(event.model_dump_json()).version == 1

    with pytest.raises(OutcomeConflictError):  # a different report without a reason
        await record(sessions, "D0", NOTHING.model_copy(update={"correction_reason": None}))
    assert await record(sessions, "D0", NOTHING) == 2
    assert await record(sessions, "D0", NOTHING) == 2  # the same correction again: a retry, no third version
    assert await record(sessions, "D0", FOUND.model_copy(update={"correction_reason": "lab error"})) == 3

    async with sessions() as session:
        history = await outcome_history(session, Stream.DECLARATION, "D0")
    assert history is not None
    assert history.current_version == 3
    assert [(v.version, v.irregularity_found, v.correction_reason) for v in history.versions] == [
        (1, True, None),
        (2, False, "laboratory analysis: the declared supplement"),
        (3, True, "lab error"),
    ]
    assert history.versions[0].seizure == FOUND.seizure
    assert history.versions[1].seizure is None


async def test_statistics_count_the_current_version_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    await record(sessions, "D0", FOUND)
    await record(sessions, "D1", FOUND)
    await record(sessions, "D1", NOTHING)
    async with sessions() as session:
        statistics = await compute_statistics(session, DecisionFilter(stream=Stream.DECLARATION))
    red = statistics.lanes["red"]
    assert (red.inspected, red.irregularities) == (2, 1)


async def test_a_correction_needs_an_outcome_and_concurrent_corrections_make_one_version_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(NothingToCorrectError):
        await record(sessions, "D2", NOTHING)
    await record(sessions, "D2", FOUND)
    corrections = [NOTHING.model_copy(update={"notes": f"correction {n}"}) for n in range(4)]
    results = await asyncio.gather(*(record(sessions, "D2", c) for c in corrections), return_exceptions=True)
    versions = [r for r in results if isinstance(r, int)]
    assert all(isinstance(r, int | CorrectedMeanwhileError) for r in results), results
    assert sorted(versions) == list(range(2, 2 + len(versions)))  # no version number twice, none lost
    async with sessions() as session:
        history = await outcome_history(session, Stream.DECLARATION, "D2")
    assert history is not None
    assert [v.version for v in history.versions] == list(range(1, 2 + len(versions)))


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_migration_keeps_stored_outcomes_as_version_1(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0003")
            await connection.execute(
                text(
                    "INSERT INTO decisions (id, event_id, version, stream, subject_id, lane, score, rules_version,"
                    " watchlist_version, random_selection, reasons, submitted_at, received_at, decided_at, stored_at)"
                    " VALUES (7, 7, 1, 'declaration', 'OLD', 'red', 0.9, 'r1', 'w1', false, '[]', :t, :t, :t, :t)"
                ),
                {"t": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO outcomes (decision_id, stream, subject_id, inspected, irregularity_found, severity,"
                    " revenue_recovered, officer_id, inspected_at, recorded_at, published_at) VALUES"
                    " (7, 'declaration', 'OLD', true, true, 'major', 10, 'officer-1', :t, :t, :t)"
                ),
                {"t": T0},
            )
        await migrate(engine, MIGRATIONS)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:
            history = await outcome_history(session, Stream.DECLARATION, "OLD")
        assert history is not None
        [old] = history.versions
        assert (old.version, old.seizure, old.inspection_minutes, old.published) == (1, None, None, True)
        assert await record(sessions, "OLD", NOTHING) == 2
    finally:
        await engine.dispose()


async def test_over_http_a_correction_is_published_with_its_version_and_its_history_is_readable(
    gateway_set: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    inspector, inspector_record = new_key("test-inspector", Role.INSPECTOR)
    reader, reader_record = new_key("test-reader", Role.READER)
    await publish_key(kafka, inspector_record)
    await publish_key(kafka, reader_record)
    await publish_decisions(kafka, [make_decision(index, random.Random(5)) for index in range(2)])
    gateway = gateway_set.start("gateway", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    as_inspector = {"Authorization": f"Bearer {inspector}"}
    as_reader = {"Authorization": f"Bearer {reader}"}
    http.headers.update(as_reader)
    await wait_stored(http, gateway.url, 2)
    url = f"{gateway.url}/v1/decisions/D000000/outcome"
    found = FOUND.model_dump(mode="json", exclude_none=True)
    correction = NOTHING.model_dump(mode="json", exclude_none=True)

    first_correction = await http.post(url, json=correction, headers=as_inspector)
    assert first_correction.status_code == 422, first_correction.text
    assert first_correction.json()["detail"][0]["field"] == "correction_reason"
    first = await http.post(url, json=found, headers=as_inspector)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["seizure"]["unit"], first.json()["inspection_minutes"]) == (
        1,
        "cartons",
        95,
    )
    without_reason = {key: value for key, value in correction.items() if key != "correction_reason"}
    refused = await http.post(url, json=without_reason, headers=as_inspector)
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["field"] == "correction_reason"
    assert (await http.post(url, json=correction, headers=as_reader)).status_code == 403
    corrected = await http.post(url, json=correction, headers=as_inspector)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["version"] == 2
    assert corrected.json()["irregularity_found"] is False

    current = (await http.get(url)).json()
    assert (current["version"], current["irregularity_found"], current["seizure"]) == (2, False, None)
    history = (await http.get(f"{url}/history")).json()
    assert history["current_version"] == 2
    assert [(v["version"], v["irregularity_found"]) for v in history["versions"]] == [(1, True), (2, False)]
    assert (await http.get(f"{gateway.url}/v1/decisions/D000001/outcome/history")).status_code == 404

    records = await read_topic(kafka, kafka.topic("outcomes"))
    messages = [OutcomeEvent.model_validate_json(record.value) for record in records]  # type: ignore[attr-defined]
    assert [(m.subject_id, m.version, m.irregularity_found) for m in messages] == [
        ("D000000", 1, True),
        ("D000000", 2, False),
    ]
    assert messages[0].seizure is not None
    assert messages[0].seizure.value == Decimal("5400000.00")
    assert messages[1].correction_reason == NOTHING.correction_reason
