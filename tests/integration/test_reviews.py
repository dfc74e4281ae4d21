"""Review of possible matches end to end on the real broker, auth on: a traveller's weak name match reaches the
analysts' queue through ingest and the real scoring; a dismissal is remembered by scoring (across its restart) for
that traveller and that entry version, and the match returns when the entry changes; a confirmation re-publishes the
decision amended to the entry's lane."""

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.decisions.service import get_decision
from portcullis.gateway.decisions.writes import insert_decisions
from portcullis.gateway.reviews.models import ReviewStatus
from portcullis.gateway.reviews.service import (
    AlreadyReviewedError,
    confirm_review,
    dismiss_review,
    list_reviews,
    queue_possible_matches,
)
from portcullis.shared.auth import Role, new_key
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas import Decision, Lane, Stream
from portcullis.shared.schemas.decision import PendingReview, PossibleMatch
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
#: Listed by name alone: no date of birth or nationality to corroborate a near spelling, so it is a possible match.
LISTED = {
    "kind": "person",
    "list_name": "National watchlist",
    "reason": "wanted for arms trafficking",
    "name": "Viktor Anatolyevich BOUT",
    "action": {"lane": "red"},
}


async def publish_entry(kafka: KafkaSettings, version: int, reason: str) -> None:
    """Put a version of the listed person on the `watchlist` topic, as the watchlist service does."""
    document = {
        "type": "entry",
        "id": "wl-bout",
        "version": version,
        "changed_by": "analyst",
        "changed_at": "2026-01-01T00:00:00Z",
        "entry": {**LISTED, "reason": reason},
    }
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(kafka.topic("watchlist"), orjson.dumps(document), key=b"entry:wl-bout")
    finally:
        await producer.stop()


def traveller(record_id: str) -> dict[str, Any]:
    """The same traveller (same document) each time, spelt close to the listed name."""
    document = copy.deepcopy(PASSENGER)
    document.update(record_id=record_id, surname="Butt", given_names="Victor Anatolyevich")
    return document


@pytest.mark.timeout(600)  # a model trained, four services, scoring restarted twice: minutes on a busy 2-core machine
async def test_a_dismissed_possible_match_stays_away_until_the_entry_changes_and_a_confirmation_amends_the_lane(
    tmp_path: Path, kafka: KafkaSettings, model_registry: Path, http: httpx.AsyncClient
) -> None:
    keys: dict[Role, str] = {}
    for role in (Role.SUBMITTER, Role.ANALYST, Role.READER, Role.INSPECTOR):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)

    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[role]}"}

    await publish_entry(kafka, 1, "wanted for arms trafficking")
    services = ServiceSet(tmp_path, kafka, model_registry)
    auth_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    try:
        gateway = services.start("gateway", auth_on)
        scoring = services.start("scoring", {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
        ingest = services.start("ingest", auth_on)

        async def post(record_id: str) -> dict[str, Any]:
            """POST the traveller to ingest; the decision as the gateway stores it."""
            answer = await http.post(
                f"{ingest.url}/v1/passengers", json=traveller(record_id), headers=auth(Role.SUBMITTER)
            )
            assert answer.status_code == 202, answer.text
            url = f"{gateway.url}/v1/decisions/{record_id}?stream=passenger"
            found: dict[str, Any] = {}

            async def stored() -> bool:
                response = await http.get(url, headers=auth(Role.READER))
                found.update(response.json() if response.status_code == 200 else {})
                return response.status_code == 200

            await wait_for(stored, timeout_s=60, interval_s=0.2)
            return found

        async def queue() -> list[dict[str, Any]]:
            answer = await http.get(f"{gateway.url}/v1/reviews", headers=auth(Role.ANALYST))
            assert answer.status_code == 200, answer.text
            return list(answer.json())

        # 1. A weak name match: no lane forced; the decision is pending review with its provisional lane.
        first = await post("R1")
        assert first["review"]["provisional_lane"] == first["lane"]
        [match] = first["review"]["possible_matches"]
        assert (match["entry_id"], match["entry_version"], match["lane"]) == ("wl-bout", 1, "red")
        assert match["subject_key"].startswith("document:")
        assert PASSENGER["document"]["number"] not in match["subject_key"]
        [item] = await queue()
        assert (item["subject_id"], item["status"], item["entry_version"]) == ("R1", "pending", 1)

        # Readers and inspectors neither see the queue nor give verdicts.
        for role in (Role.READER, Role.INSPECTOR):
            assert (await http.get(f"{gateway.url}/v1/reviews", headers=auth(role))).status_code == 403
            body = {"reason": "not him"}
            dismissal = await http.post(f"{gateway.url}/v1/reviews/{item['id']}/dismiss", json=body, headers=auth(role))
            assert dismissal.status_code == 403
        blank = await http.post(
            f"{gateway.url}/v1/reviews/{item['id']}/dismiss", json={"reason": " "}, headers=auth(Role.ANALYST)
        )
        assert blank.status_code == 422

        # 2. The analyst dismisses it, with a reason: recorded (who, why), published on `reviews`.
        reason = "another person: date of birth on the passport is 1990-04-02"
        answer = await http.post(
            f"{gateway.url}/v1/reviews/{item['id']}/dismiss", json={"reason": reason}, headers=auth(Role.ANALYST)
        )
        assert answer.status_code == 201, answer.text
        dismissed = answer.json()
        assert dismissed["published"] is True
        assert dismissed["review"]["status"] == "dismissed"
        assert dismissed["review"]["key_id"] == keys[Role.ANALYST].split("_")[1]
        assert dismissed["review"]["reason"] == reason
        again = await http.post(f"{gateway.url}/v1/reviews/{item['id']}/confirm", json={}, headers=auth(Role.ANALYST))
        assert again.status_code == 409
        assert await queue() == []

        # 3. Scoring restarts (it rebuilds its state from the topics): the same traveller again, no possible match.
        scoring.stop()
        scoring.start(timeout_s=180)  # the model, the SDN list and three followers read again, on a busy machine
        second = await post("R2")
        assert "review" not in second
        assert not [r for r in second["reasons"] if r["code"] == "wl-bout"]
        assert await queue() == []

        # 4. The entry changes (version 2): the possible match returns for the same traveller.
        await publish_entry(kafka, 2, "wanted for arms trafficking; new warrant 2026-11")
        third: dict[str, Any] = {}

        async def returned() -> bool:
            third.clear()
            third.update(await post(f"R3-{len(attempts)}"))
            attempts.append(1)
            return "review" in third

        attempts: list[int] = []
        await wait_for(returned, timeout_s=60, interval_s=0.5)  # scoring applies the change within moments
        assert third["review"]["possible_matches"][0]["entry_version"] == 2
        [pending] = await queue()
        assert (pending["subject_id"], pending["entry_version"]) == (third["subject_id"], 2)

        # 5. Confirmed: the decision is amended to the entry's lane (a new version) and re-published.
        answer = await http.post(
            f"{gateway.url}/v1/reviews/{pending['id']}/confirm",
            json={"reason": "warrant photo matches"},
            headers=auth(Role.ANALYST),
        )
        assert answer.status_code == 201, answer.text
        amended = answer.json()["decision"]
        assert (amended["lane"], amended["version"]) == ("red", 2)
        assert "review" not in amended
        url = f"{gateway.url}/v1/decisions/{third['subject_id']}?stream=passenger"
        assert (await http.get(url, headers=auth(Role.READER))).json()["lane"] == "red"
        published = [orjson.loads(r.value) for r in await read_topic(kafka, kafka.topic("reviews"))]  # type: ignore[attr-defined]
        assert [(p["verdict"], p["entry_version"]) for p in published] == [("dismissed", 1), ("confirmed", 2)]
        assert published[1]["decision"]["lane"] == "red"
        assert published[1]["decision"]["subject_id"] == third["subject_id"]
        metrics = (await http.get(f"{gateway.url}/metrics")).text
        assert 'portcullis_gateway_reviews_total{band="' in metrics
        assert 'list="National watchlist",verdict="dismissed"} 1.0' in metrics
        assert 'portcullis_gateway_review_seconds_count{verdict="confirmed"} 1.0' in metrics
    finally:
        services.stop_all()


def _scored(subject_id: str, office: str, decided_s: int, *entries: str) -> Decision:
    decided = T0 + timedelta(seconds=decided_s)
    matches = [
        PossibleMatch(
            entry_id=entry, entry_version=1, list_name="OFAC SDN", score=0.88, subject_key="trader:NL1", lane=Lane.RED
        )
        for entry in entries
    ]
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=subject_id,
        lane=Lane.GREEN,
        score=0.1,
        model_version="m",
        rules_version="r",
        watchlist_version="w",
        attributes={"office_id": office},
        submitted_at=decided,
        received_at=decided,
        decided_at=decided,
        content_digest=subject_id.ljust(64, "0"),
        review=PendingReview(provisional_lane=Lane.GREEN, possible_matches=matches) if matches else None,
    )


async def test_the_queue_is_per_office_oldest_first_and_a_verdict_is_given_once(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        batch = [_scored("D2", "30", 20, "sdn-1"), _scored("D1", "31", 10, "sdn-1", "sdn-2"), _scored("D3", "30", 5)]
        for _ in range(2):  # a redelivery queues nothing twice
            async with sessions.begin() as session:
                await queue_possible_matches(session, await insert_decisions(session, batch))
        async with sessions() as session:
            every = await list_reviews(session, ReviewStatus.PENDING, None, 10)
            office = await list_reviews(session, ReviewStatus.PENDING, "30", 10)
        assert [(r.subject_id, r.entry_id) for r in every] == [("D1", "sdn-1"), ("D1", "sdn-2"), ("D2", "sdn-1")]
        assert [r.subject_id for r in office] == ["D2"]

        async with sessions.begin() as session:
            done = await confirm_review(session, every[0].id, "k1", None, T0 + timedelta(hours=1))
        assert done.decision is not None
        assert (done.decision.lane, done.decision.version) == (Lane.RED, 2)
        assert done.decision.review is not None
        assert [m.entry_id for m in done.decision.review.possible_matches] == ["sdn-2"]
        async with sessions.begin() as session:
            dismissed = await dismiss_review(session, every[1].id, "k1", "another firm", T0 + timedelta(hours=1))
        assert (dismissed.item.status, dismissed.item.reason, dismissed.item.key_id) == (
            "dismissed",
            "another firm",
            "k1",
        )
        assert dismissed.item.message is not None
        assert dismissed.item.message["verdict"] == "dismissed"
        with pytest.raises(AlreadyReviewedError):
            async with sessions.begin() as session:
                await dismiss_review(session, every[0].id, "k2", "again", T0 + timedelta(hours=2))
        async with sessions() as session:
            assert [r.subject_id for r in await list_reviews(session, ReviewStatus.PENDING, None, 10)] == ["D2"]
            stored = await get_decision(session, Stream.DECLARATION, "D1")
        assert stored is not None
        assert stored.lane is Lane.RED
    finally:
        await engine.dispose()
