"""Overrides made on the gateway reach the analytics service's performance report, by office and officer, with the
blue declarations counted apart (real broker, both services as processes, auth on)."""

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


def decision(subject_id: str, lane: Lane, office: str) -> dict[str, object]:
    at = datetime.now(UTC) - timedelta(minutes=1)
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=lane,
        score=0.55,
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=[Reason(kind=ReasonKind.MODEL, text="risk score 0.55", code="score", weight=0.55)],
        attributes={"office_id": office},
        submitted_at=at,
        received_at=at,
        decided_at=at,
    ).model_dump(mode="json")


@pytest.mark.timeout(300)
async def test_overrides_appear_in_the_performance_report_by_office_and_officer(
    tmp_path: Path, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    keys: dict[str, str] = {}
    for name, role in (("first", Role.SUPERVISOR), ("second", Role.SUPERVISOR), ("reader", Role.READER)):
        keys[name], record = new_key(f"test-{name}", role)
        await publish_key(kafka, record)
    await publish_decisions(
        kafka,
        [
            decision("D1", Lane.YELLOW, "30"),
            decision("D2", Lane.GREEN, "30"),
            decision("D3", Lane.BLUE, "31"),
            decision("D4", Lane.BLUE, "31"),
        ],
    )
    services = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    auth_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    gateway = services.start("gateway", auth_on)
    analytics = services.make("analytics", auth_on).start()
    try:
        reader = {"Authorization": f"Bearer {keys['reader']}"}

        async def stored() -> bool:
            answer = await http.get(f"{gateway.url}/v1/decisions/D4", headers=reader)
            return answer.status_code == 200

        await wait_for(stored, timeout_s=30, interval_s=0.2)
        for subject_id, lane, who in (("D1", "green", "first"), ("D2", "red", "first"), ("D3", "red", "second")):
            answer = await http.post(
                f"{gateway.url}/v1/decisions/{subject_id}/override",
                json={"lane": lane, "reason": "checked at the office window"},
                headers={"Authorization": f"Bearer {keys[who]}"},
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["published"] is True

        # From yesterday: decided a minute ago and overridden now, the two may fall on either side of midnight (UTC).
        today = datetime.now(UTC).date()
        period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}

        async def counted() -> bool:
            answer = await http.get(f"{analytics.url}/v1/reports/performance", params=period, headers=reader)
            return answer.status_code == 200 and len(answer.json()["overrides"]) == 2

        await wait_for(counted, timeout_s=60, interval_s=0.5)
        report = (await http.get(f"{analytics.url}/v1/reports/performance", params=period, headers=reader)).json()
        first, second = keys["first"].split("_")[1], keys["second"].split("_")[1]
        rows = {(o["office"], o["officer"]): o for o in report["overrides"]}
        assert set(rows) == {("30", first), ("31", second)}
        assert (rows[("30", first)]["overrides"], rows[("30", first)]["raised"], rows[("30", first)]["lowered"]) == (
            2,
            1,
            1,
        )
        assert (rows[("31", second)]["overrides"], rows[("31", second)]["to_red"]) == (1, 1)
        assert report["total"]["blue"] == 2
        assert report["total"]["records"] == 4
    finally:
        services.stop_all()
