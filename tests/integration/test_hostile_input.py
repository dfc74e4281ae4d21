"""Hostile input cannot stop or fool the pipeline: the four services on the real broker, authentication on.

Issue #16, finding 1: a declaration or container event timed `0001-01-01T00:00:00+14:00` was accepted, then scoring
(or the gateway) raised converting it to UTC and retried forever. Finding 3: a rule nested 120 levels deep was
saved (scoring could not read it), and after it was deleted scoring kept applying the version before it.
Finding 4: 1,000 tests or a NaN in a rule gave 500s.
"""

import copy
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import live_changes_applied, read_topic, until_scoring_applies, wait_for
from tests.integration.test_ingest import README_EXAMPLE
from tests.unit.watchlist.test_list_documents_fail_closed import deep_rule_value

pytestmark = pytest.mark.integration

CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
WOOD = {"field": "hs6_code", "op": "prefix", "value": "44"}  # the README's declaration is HS 440890


def wood_rule(condition: dict[str, Any]) -> dict[str, Any]:
    return {"name": "wood", "reason": "wood: examine", "action": {"lane": "red"}, "condition": condition}


def nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = WOOD
    for _ in range(depth - 1):
        condition = {"all": [condition]}
    return condition


class System:
    """The four services with authentication on, and a key of each role."""

    def __init__(self, services: ServiceSet, keys: dict[Role, str], http: httpx.AsyncClient) -> None:
        auth = {"PORTCULLIS_AUTH_REQUIRED": "true"}
        self.watchlist = services.start("watchlist", auth)
        self.gateway = services.start("gateway", auth)
        self.scoring = services.start("scoring", {**auth, "PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
        self.ingest = services.start("ingest", auth)
        self.keys = keys
        self.http = http

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    async def keys_known(self) -> None:
        """Wait until every service has applied the keys from the `apikeys` topic."""
        probes = [
            (self.watchlist, "/v1/rules", Role.ANALYST),
            (self.gateway, "/v1/decisions", Role.READER),
            (self.ingest, "/v1/declarations", Role.SUBMITTER),
        ]
        for service, path, role in probes:

            async def known(url: str = f"{service.url}{path}", role: Role = role) -> bool:
                answer = await self.http.request(
                    "POST" if role is Role.SUBMITTER else "GET", url, headers=self.headers(role), json=[]
                )
                return answer.status_code not in (401, 403)

            await wait_for(known, timeout_s=20, interval_s=0.2)

    async def put_rule(self, rule_id: str, body: dict[str, Any] | str) -> httpx.Response:
        url = f"{self.watchlist.url}/v1/rules/{rule_id}"
        headers = {**self.headers(Role.ANALYST), "content-type": "application/json"}
        content = body if isinstance(body, str) else None
        return await self.http.put(url, headers=headers, content=content, json=None if content else body)

    async def submit(self, stream: str, document: dict[str, Any]) -> httpx.Response:
        """POST one record to ingest (`stream`: declarations, passengers, containers)."""
        url = f"{self.ingest.url}/v1/{stream}"
        return await self.http.post(url, json=document, headers=self.headers(Role.SUBMITTER))

    async def decision(self, subject_id: str, stream: str = "declaration") -> dict[str, Any]:
        """The subject's stored decision, once the gateway has it."""

        async def stored() -> dict[str, Any] | None:
            url = f"{self.gateway.url}/v1/decisions/{subject_id}?stream={stream}"
            response = await self.http.get(url, headers=self.headers(Role.READER))
            return response.json() if response.status_code == 200 else None

        return await wait_for(stored, timeout_s=30, interval_s=0.05)  # type: ignore[no-any-return]

    async def rule_reasons(self, declaration_id: str) -> list[str]:
        """Submit the README's declaration under this id; the ids of the rules its stored decision gives as reasons."""
        answer = await self.submit("declarations", {**copy.deepcopy(README_EXAMPLE), "declaration_id": declaration_id})
        assert answer.status_code == 202, answer.text
        decision = await self.decision(declaration_id)
        return [reason["code"] for reason in decision["reasons"] if reason["kind"] == "rule"]

    async def in_scoring(self, change: Awaitable[httpx.Response]) -> httpx.Response:
        """Make a change through the watchlist API and wait until scoring has applied it live.

        The API answers once the change is on the topic, and scoring follows the topic on its own: a declaration
        posted at once may be scored before the change arrives.
        """
        applied_before = await live_changes_applied(self.http, self.scoring.url)
        answer = await change
        if answer.is_success:
            await until_scoring_applies(self.http, self.scoring.url, applied_before)
        return answer

    async def rejected_rules(self) -> float:
        metrics = (await self.http.get(f"{self.scoring.url}/metrics")).text
        for line in metrics.splitlines():
            if line.startswith('portcullis_list_documents_rejected_total{kind="rule"}'):
                return float(line.split()[-1])
        return 0.0


@pytest.fixture
async def system(
    tmp_path: Path, kafka: KafkaSettings, model_registry: Path, http: httpx.AsyncClient
) -> Any:  # an async generator of System
    keys: dict[Role, str] = {}
    for role in (Role.ANALYST, Role.SUBMITTER, Role.READER):
        keys[role], record = new_key(f"contract-{role.value}", role)
        await publish_key(kafka, record)
    services = ServiceSet(tmp_path, kafka, model_registry)
    try:
        running = System(services, keys, http)
        await running.keys_known()
        yield running
    finally:
        services.stop_all()


async def test_a_rule_scoring_could_not_apply_is_refused_and_deleting_the_rule_takes_it_out_of_scoring(
    system: System,
) -> None:
    assert (await system.in_scoring(system.put_rule("R-WOOD", wood_rule(WOOD)))).status_code == 201
    assert await system.rule_reasons("CONTRACT-1") == ["R-WOOD"]

    # Updates scoring could not apply are refused, naming where; the rule in force stays the version before.
    too_deep = await system.put_rule("R-WOOD", wood_rule(nested(120)))
    assert too_deep.status_code == 422, too_deep.text
    [error] = too_deep.json()["detail"]
    assert error["field"].startswith("condition.all.0.all.0")
    assert "nested more than 16 levels" in error["reason"]
    thousand = wood_rule({"any": [{"field": "item_price", "op": "gt", "value": n} for n in range(1000)]})
    assert (await system.put_rule("R-WOOD", thousand)).status_code == 422
    nan = '{"name": "wood", "reason": "r", "condition": {"field": "item_price", "op": "gt", "value": NaN}}'
    answer = await system.put_rule("R-WOOD", nan)
    assert (answer.status_code, answer.json()["detail"][0]["field"]) == (422, "condition.value")
    assert await system.rule_reasons("CONTRACT-2") == ["R-WOOD"]

    # The delete takes effect in scoring.
    deleting = system.http.delete(f"{system.watchlist.url}/v1/rules/R-WOOD", headers=system.headers(Role.ANALYST))
    deleted = await system.in_scoring(deleting)
    assert deleted.status_code == 200
    assert await system.rule_reasons("CONTRACT-3") == []


async def test_scoring_drops_a_rule_whose_new_version_it_cannot_read_and_counts_it(
    system: System, kafka: KafkaSettings
) -> None:
    assert (await system.in_scoring(system.put_rule("R-OLD", wood_rule(WOOD)))).status_code == 201
    assert await system.rule_reasons("CONTRACT-4") == ["R-OLD"]
    before = await system.rejected_rules()

    # A version the service refuses now, as an earlier watchlist service published it.
    publisher = Publisher(kafka)
    try:
        await publisher.publish([Message(kafka.topic("watchlist"), b"rule:R-OLD", deep_rule_value("R-OLD", 120))])
    finally:
        await publisher.close()

    async def counted() -> bool:
        return await system.rejected_rules() == before + 1

    await wait_for(counted, timeout_s=10, interval_s=0.1)
    assert await system.rule_reasons("CONTRACT-5") == []


async def test_a_time_that_cannot_convert_to_utc_is_refused_and_cannot_stop_scoring(
    system: System, kafka: KafkaSettings
) -> None:
    declaration = {
        **copy.deepcopy(README_EXAMPLE),
        "declaration_id": "TIME-1",
        "submitted_at": "0001-01-01T00:00:00+14:00",
    }
    answer = await system.submit("declarations", declaration)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["detail"]] == ["submitted_at"]
    event = {**copy.deepcopy(CONTAINER), "event_id": "TIME-EV-1", "event_time": "9999-12-31T23:59:59-14:00"}
    answer = await system.submit("containers", event)
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["detail"]] == ["event_time"]

    # Written around ingest, straight to the topics: dead-lettered, and what follows is decided and stored.
    publisher = Publisher(kafka)
    try:
        await publisher.publish(
            [
                Message(kafka.topic("declarations"), b"TIME-1", orjson.dumps(declaration)),
                Message(kafka.topic("containers"), b"TIME-EV-1", orjson.dumps(event)),
            ]
        )
    finally:
        await publisher.close()
    after = {**copy.deepcopy(README_EXAMPLE), "declaration_id": "TIME-2"}
    assert (await system.submit("declarations", after)).status_code == 202
    assert (await system.decision("TIME-2"))["subject_id"] == "TIME-2"
    after_event = {**copy.deepcopy(CONTAINER), "event_id": "TIME-EV-2"}
    assert (await system.submit("containers", after_event)).status_code == 202
    assert (await system.decision("TIME-EV-2", "container"))["subject_id"] == "TIME-EV-2"

    # Scoring writes a batch's dead letters after its decisions (both before the commit): wait for them.
    async def dead_lettered() -> list[Any]:
        dead = await read_topic(kafka, kafka.topic("declarations.dlq")) + await read_topic(
            kafka, kafka.topic("containers.dlq")
        )
        return dead if len(dead) >= 2 else []

    dead = await wait_for(dead_lettered, timeout_s=30, interval_s=0.2)
    assert sorted(record.key for record in dead) == [b"TIME-1", b"TIME-EV-1"]  # type: ignore[attr-defined]
