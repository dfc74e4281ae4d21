"""Lane overrides: a new version with who and why, kept through later amendments from scoring, published, and
only for supervisors (auth on)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.service import decision_history, get_decision
from portcullis.gateway.decisions.writes import store_decisions
from portcullis.gateway.overrides.service import SameLaneError, override_lane
from portcullis.shared.auth import Role, new_key
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, read_topic, wait_for

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def scored(subject_id: str, digest: str, lane: Lane, received_s: int) -> Decision:
    """A decision from scoring about content `digest`, received `received_s` seconds after T0."""
    received = T0 + timedelta(seconds=received_s)
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=lane,
        score=0.4,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=[Reason(kind=ReasonKind.MODEL, text="risk score", code="score", weight=0.4)],
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


async def current(sessions: async_sessionmaker[AsyncSession], subject_id: str) -> Decision:
    async with sessions() as session:
        found = await get_decision(session, Stream.DECLARATION, subject_id)
    assert found is not None
    return found


async def lanes_of_history(sessions: async_sessionmaker[AsyncSession], subject_id: str) -> list[tuple[int, str, bool]]:
    """(version, lane, overridden) of every version, the first first."""
    async with sessions() as session:
        found = await decision_history(session, Stream.DECLARATION, subject_id)
    assert found is not None
    return [(v.version, v.lane.value, v.override is not None) for v in found.versions]


async def test_an_override_is_a_new_version_and_a_later_amendment_does_not_undo_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await store_decisions(session, [scored("S1", "a", Lane.RED, 0)])
    async with sessions.begin() as session:
        await override_lane(session, Stream.DECLARATION, "S1", Lane.GREEN, "authorised trader, verified", "k1")

    now = await current(sessions, "S1")
    assert (now.lane, now.version, now.amended) == (Lane.GREEN, 2, True)
    assert now.override is not None
    assert (now.override.lane, now.override.scored_lane, now.override.key_id) == (Lane.GREEN, Lane.RED, "k1")
    assert now.override.reason == "authorised trader, verified"
    assert any(r.kind is ReasonKind.OVERRIDE and "authorised trader" in r.text for r in now.reasons)
    assert await lanes_of_history(sessions, "S1") == [(1, "red", False), (2, "green", True)]

    # Scoring amends the declaration (new content, now yellow): the supervisor's lane stands, and says so.
    async with sessions.begin() as session:
        assert await store_decisions(session, [scored("S1", "b", Lane.YELLOW, 10)]) == 1
    now = await current(sessions, "S1")
    assert (now.lane, now.version) == (Lane.GREEN, 3)
    assert now.override is not None
    assert now.override.scored_lane is Lane.YELLOW
    assert any(r.code == "override_kept" and "scored yellow" in r.text for r in now.reasons)
    assert await lanes_of_history(sessions, "S1") == [(1, "red", False), (2, "green", True), (3, "green", True)]

    # A redelivery of either content stores nothing; a version delivered late does not move the override's lane.
    async with sessions.begin() as session:
        assert await store_decisions(session, [scored("S1", "a", Lane.RED, 0), scored("S1", "b", Lane.YELLOW, 10)]) == 0
    async with sessions.begin() as session:
        assert await store_decisions(session, [scored("S1", "c", Lane.RED, 5)]) == 1
    assert (await current(sessions, "S1")).lane is Lane.GREEN

    # A second override changes the lane again and keeps what scoring gave.
    async with sessions.begin() as session:
        await override_lane(session, Stream.DECLARATION, "S1", Lane.RED, "intelligence from the port", "k2")
    now = await current(sessions, "S1")
    assert now.lane is Lane.RED
    assert now.override is not None
    assert (now.override.scored_lane, now.override.key_id) == (Lane.YELLOW, "k2")
    with pytest.raises(SameLaneError):
        async with sessions.begin() as session:
            await override_lane(session, Stream.DECLARATION, "S1", Lane.RED, "again", "k2")


async def test_only_a_supervisor_overrides_over_http_and_the_override_is_published_and_counted(
    tmp_path: Path, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    keys: dict[Role, str] = {}
    for role in (Role.SUPERVISOR, Role.INSPECTOR, Role.READER):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    await publish_decisions(kafka, [scored("D1", "a", Lane.YELLOW, 0).model_dump(mode="json")])
    services = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    gateway = services.start("gateway", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    try:

        def auth(role: Role) -> dict[str, str]:
            return {"Authorization": f"Bearer {keys[role]}"}

        async def stored() -> bool:
            answer = await http.get(f"{gateway.url}/v1/decisions/D1", headers=auth(Role.READER))
            return answer.status_code == 200

        await wait_for(stored, timeout_s=30, interval_s=0.2)
        url = f"{gateway.url}/v1/decisions/D1/override"
        body = {"lane": "red", "reason": "the vessel called at a port under embargo"}
        assert (await http.post(url, json=body)).status_code == 401
        assert (await http.post(url, json=body, headers=auth(Role.INSPECTOR))).status_code == 403
        for bad, field in (
            ({"lane": "red"}, "reason"),
            ({"lane": "red", "reason": "  "}, "reason"),
            ({"lane": "purple", "reason": "x"}, "lane"),
            ({**body, "reason": "x" * 501}, "reason"),
        ):
            answer = await http.post(url, json=bad, headers=auth(Role.SUPERVISOR))
            assert answer.status_code == 422, answer.text
            assert field in answer.text
        missing = await http.post(f"{gateway.url}/v1/decisions/NOPE/override", json=body, headers=auth(Role.SUPERVISOR))
        assert missing.status_code == 404

        answer = await http.post(url, json=body, headers=auth(Role.SUPERVISOR))
        assert answer.status_code == 201, answer.text
        assert answer.json()["published"] is True
        assert answer.json()["decision"]["lane"] == "red"
        again = await http.post(url, json=body, headers=auth(Role.SUPERVISOR))
        assert again.status_code == 409

        decision = (await http.get(f"{gateway.url}/v1/decisions/D1", headers=auth(Role.READER))).json()
        supervisor_key_id = keys[Role.SUPERVISOR].split("_")[1]
        assert decision["lane"] == "red"
        assert decision["version"] == 2
        assert decision["override"]["key_id"] == supervisor_key_id
        assert decision["override"]["reason"] == body["reason"]
        assert decision["override"]["scored_lane"] == "yellow"
        history = (await http.get(f"{gateway.url}/v1/decisions/D1/history", headers=auth(Role.SUPERVISOR))).json()
        assert [(v["lane"], v.get("override") is not None) for v in history["versions"]] == [
            ("yellow", False),
            ("red", True),
        ]

        records = await read_topic(kafka, kafka.topic("overrides"))
        published = [orjson.loads(r.value) for r in records]  # type: ignore[attr-defined]
        assert [(p["subject_id"], p["lane"], p["override"]["key_id"]) for p in published] == [
            ("D1", "red", supervisor_key_id)
        ]
        metrics = (await http.get(f"{gateway.url}/metrics")).text
        assert (
            'portcullis_gateway_overrides_total{from_lane="yellow",stream="declaration",to_lane="red"} 1.0' in metrics
        )
    finally:
        services.stop_all()
