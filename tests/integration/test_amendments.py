"""Issue #16, finding 2, on the real broker with keys required: a declaration id posted again with other content is
an amendment (re-scored, the newest decision current, the history kept, never below an earlier selection), and the
same messages posted again store nothing.

Before amendments, the gateway kept the first decision of an id (insert-or-ignore): a submitter could pre-register a
harmless version so that officers saw it instead of the one that mattered.
"""

import copy
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for
from tests.integration.test_gateway_live import follow
from tests.integration.test_ingest import README_EXAMPLE

pytestmark = pytest.mark.integration

ARMS_RULE = {
    "type": "rule",
    "id": "R-ARMS",
    "version": 1,
    "changed_by": "analyst.amendments",
    "changed_at": "2026-01-01T00:00:00Z",
    "rule": {
        "name": "arms and ammunition",
        "reason": "arms and ammunition (HS chapter 93): examine",
        "action": {"lane": "red"},
        "condition": {"field": "hs6_code", "op": "prefix", "value": "93"},
    },
}


def declaration(declaration_id: str, hs6_code: str, net_mass_kg: float = 108.0) -> dict[str, Any]:
    document = copy.deepcopy(README_EXAMPLE)
    document["declaration_id"] = declaration_id
    document["items"][0]["hs6_code"] = hs6_code  # type: ignore[index]
    document["items"][0]["net_mass_kg"] = net_mass_kg  # type: ignore[index]
    return document


async def test_a_reused_id_is_an_amendment_not_a_silent_drop(
    services: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    submitter, submitter_record = new_key("test-submitter", Role.SUBMITTER)
    reader, reader_record = new_key("test-reader", Role.READER)
    await publish_key(kafka, submitter_record)
    await publish_key(kafka, reader_record)
    publisher = Publisher(kafka)
    try:
        await publisher.publish([Message(kafka.topic("watchlist"), b"rule:R-ARMS", orjson.dumps(ARMS_RULE))])
    finally:
        await publisher.close()
    keys_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    gateway = services.start("gateway", keys_on)
    services.start("scoring", {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
    ingest = services.start("ingest", keys_on)
    as_submitter = {"Authorization": f"Bearer {submitter}"}
    as_reader = {"Authorization": f"Bearer {reader}"}
    http.headers.update(as_reader)  # the live stream's requests too

    async def post(document: dict[str, Any]) -> None:
        response = await http.post(f"{ingest.url}/v1/declarations", json=document, headers=as_submitter)
        assert response.status_code == 202, response.text

    async def at_version(subject_id: str, version: int) -> dict[str, Any] | None:
        response = await http.get(f"{gateway.url}/v1/decisions/{subject_id}", headers=as_reader)
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return found if found is not None and found.get("version", 1) >= version else None

    async def with_rule(subject_id: str, rule_id: str) -> dict[str, Any] | None:
        response = await http.get(f"{gateway.url}/v1/decisions/{subject_id}", headers=as_reader)
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return found if found is not None and rule_id in [r["code"] for r in found["reasons"]] else None

    async def history(subject_id: str) -> list[tuple[int, str]]:
        response = await http.get(f"{gateway.url}/v1/decisions/{subject_id}/history", headers=as_reader)
        assert response.status_code == 200, response.text
        return [(v["version"], v["lane"]) for v in response.json()["versions"]]

    # B, the finding itself: a harmless version first, the one that matters second. Officers see the second.
    harmless_b, weapons_b = declaration("AMEND-B", "440890"), declaration("AMEND-B", "930200")
    await post(harmless_b)
    await wait_for(lambda: at_version("AMEND-B", 1), timeout_s=30)
    await post(weapons_b)
    # (With insert-or-ignore this waits in vain: the harmless first decision stays.)
    now_b = await wait_for(lambda: with_rule("AMEND-B", "R-ARMS"), timeout_s=30)
    assert (now_b["lane"], now_b["version"], now_b["amended"]) == ("red", 2, True)

    # A: weapons declared (red by the rule), then amended to toys: re-scored, still red, saying why.
    weapons_a, toys_a = declaration("AMEND-A", "930200"), declaration("AMEND-A", "950300")
    await post(weapons_a)
    first = await wait_for(lambda: at_version("AMEND-A", 1), timeout_s=30)
    assert (first["lane"], first["version"], first["amended"]) == ("red", 1, False)
    await post(toys_a)
    amended = await wait_for(lambda: at_version("AMEND-A", 2), timeout_s=30)
    assert (amended["lane"], amended["version"], amended["amended"]) == ("red", 2, True)
    assert amended["content_digest"] != first["content_digest"]
    assert "amended after selection: the earlier red lane stands" in [r["text"] for r in amended["reasons"]]
    assert "R-ARMS" not in [r["code"] for r in amended["reasons"]]  # the toys themselves break no rule

    for subject_id in ("AMEND-A", "AMEND-B"):
        assert (await history(subject_id))[1] == (2, "red")
    statistics = (await http.get(f"{gateway.url}/v1/statistics", headers=as_reader)).json()
    assert (statistics["decisions"], statistics["amended"]) == (2, 2)  # each subject once, both amended

    # The live stream shows the new versions, marked amended.
    async with follow(http, gateway.url, last_event_id=0) as stream:
        events = await stream.decisions(2)
    latest = {orjson.loads(e.data or "")["subject_id"]: orjson.loads(e.data or "") for e in events}
    assert {s: (d["version"], d["amended"]) for s, d in latest.items()} == {
        "AMEND-A": (2, True),
        "AMEND-B": (2, True),
    }

    # The same messages again (a replay): 202, nothing new. A third content of each subject comes after them on
    # the same partition, so once it is stored the replays were handled.
    for document in (weapons_a, toys_a, harmless_b, weapons_b):
        await post(document)
    await post(declaration("AMEND-A", "950300", net_mass_kg=50.0))
    await post(declaration("AMEND-B", "930200", net_mass_kg=50.0))
    await wait_for(lambda: at_version("AMEND-A", 3), timeout_s=30)
    await wait_for(lambda: at_version("AMEND-B", 3), timeout_s=30)
    assert await history("AMEND-A") == [(1, "red"), (2, "red"), (3, "red")]
    assert [version for version, _ in await history("AMEND-B")] == [1, 2, 3]
