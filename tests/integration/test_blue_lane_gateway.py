"""A blue decision (release now, post-clearance audit) through the gateway: stored, read, filtered, counted and
overridden like any other (auth on); a stream without a blue lane refuses an override to blue."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, wait_for

pytestmark = pytest.mark.integration

T0 = datetime.now(UTC) - timedelta(minutes=5)


def decision(stream: Stream, subject_id: str, lane: Lane) -> dict[str, object]:
    reasons = [Reason(kind=ReasonKind.MODEL, text="risk score 0.55", code="score", weight=0.55)]
    if lane is Lane.BLUE:
        reasons.append(Reason(kind=ReasonKind.MODEL, text="released for post-clearance audit", code="blue_lane"))
    return Decision(
        stream=stream,
        subject_id=subject_id,
        lane=lane,
        score=0.55,
        model_version="dm-test" if stream is Stream.DECLARATION else None,
        rules_version="r1",
        watchlist_version="w1",
        reasons=reasons,
        attributes={"office_id": "30"},
        submitted_at=T0,
        received_at=T0 + timedelta(seconds=1),
        decided_at=T0 + timedelta(seconds=2),
    ).model_dump(mode="json")


async def test_a_blue_decision_is_stored_filtered_counted_and_overridden_and_passengers_have_no_blue(
    tmp_path: Path, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    keys: dict[Role, str] = {}
    for role in (Role.SUPERVISOR, Role.READER):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    await publish_decisions(
        kafka,
        [
            decision(Stream.DECLARATION, "B1", Lane.BLUE),
            decision(Stream.DECLARATION, "Y1", Lane.YELLOW),
            decision(Stream.PASSENGER, "P1", Lane.YELLOW),
        ],
    )
    services = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    gateway = services.start("gateway", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    try:
        reader = {"Authorization": f"Bearer {keys[Role.READER]}"}
        supervisor = {"Authorization": f"Bearer {keys[Role.SUPERVISOR]}"}

        async def stored() -> bool:
            answer = await http.get(f"{gateway.url}/v1/decisions/P1?stream=passenger", headers=reader)
            return answer.status_code == 200

        await wait_for(stored, timeout_s=30, interval_s=0.2)
        blue = (await http.get(f"{gateway.url}/v1/decisions/B1", headers=reader)).json()
        assert blue["lane"] == "blue"
        listed = (await http.get(f"{gateway.url}/v1/decisions?lane=blue", headers=reader)).json()
        assert [d["subject_id"] for d in listed["items"]] == ["B1"]
        statistics = (await http.get(f"{gateway.url}/v1/statistics", headers=reader)).json()
        assert list(statistics["lanes"]) == ["green", "blue", "yellow", "red"]
        assert (statistics["lanes"]["blue"]["decisions"], statistics["lanes"]["yellow"]["decisions"]) == (1, 1)
        passengers = (await http.get(f"{gateway.url}/v1/statistics?stream=passenger", headers=reader)).json()
        assert list(passengers["lanes"]) == ["green", "yellow", "red"]

        # A passenger has no blue lane: the override names the field; nothing is stored.
        body = {"lane": "blue", "reason": "audit after clearance"}
        refused = await http.post(
            f"{gateway.url}/v1/decisions/P1/override?stream=passenger", json=body, headers=supervisor
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == [{"field": "lane", "reason": "a passenger has no blue lane"}]
        kept = (await http.get(f"{gateway.url}/v1/decisions/P1?stream=passenger", headers=reader)).json()
        assert (kept["lane"], kept["version"]) == ("yellow", 1)

        # A declaration goes blue by override, and out of blue.
        to_blue = await http.post(f"{gateway.url}/v1/decisions/Y1/override", json=body, headers=supervisor)
        assert to_blue.status_code == 201, to_blue.text
        assert to_blue.json()["decision"]["lane"] == "blue"
        out = {"lane": "red", "reason": "intelligence note 2026-114"}
        from_blue = await http.post(f"{gateway.url}/v1/decisions/B1/override", json=out, headers=supervisor)
        assert from_blue.status_code == 201, from_blue.text
        assert from_blue.json()["decision"]["override"]["scored_lane"] == "blue"
    finally:
        services.stop_all()
