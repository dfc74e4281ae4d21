"""Issue #14, linked across streams, on the real broker with keys required and scoring restarted in between: a
declaration naming a container that had a seal change gets a reason naming that event whichever came first (the
declaration first: it is re-decided, a new version in the gateway), a box covered by a red declaration is scanned,
and a declaration of an unrelated box gets nothing."""

import copy
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
from tests.integration.conftest import wait_for
from tests.integration.test_amendments import ARMS_RULE
from tests.integration.test_ingest import README_EXAMPLE

pytestmark = pytest.mark.integration

SEALED_FIRST, SEALED_LATER, RED_BOX, UNRELATED_BOX = "MSCU1234566", "MSCU7654329", "TGHU1000018", "TGHU2000028"
CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def declaration(declaration_id: str, box: str, hs6_code: str = "440890") -> dict[str, Any]:
    document = copy.deepcopy(README_EXAMPLE)
    document["declaration_id"] = declaration_id
    document["items"][0]["hs6_code"] = hs6_code  # type: ignore[index]
    document["transport"] = {"vessel_imo": "9074729", "transport_document": f"BL-{declaration_id}",
                             "container_numbers": [box]}  # fmt: skip
    return document


def event(event_id: str, box: str, seals_changed: bool) -> dict[str, Any]:
    document = {**copy.deepcopy(CONTAINER), "event_id": event_id, "container_number": box}
    if seals_changed:
        document |= {"seal_numbers": ["CN7654321"], "previous_seal_numbers": ["CN1234567"]}
    return document


def seal_reason(box: str, event_id: str) -> str:
    return (
        f"container {box}: seals changed since the previous event (were CN1234567, now CN7654321) "
        f"at CNSHA on 2026-03-01 (container event {event_id})"
    )


async def test_a_seal_change_reaches_the_declaration_of_its_box_in_either_order_across_a_restart(
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
    scoring_env = {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0", **keys_on}
    gateway = services.start("gateway", keys_on)
    scoring = services.start("scoring", scoring_env)
    ingest = services.start("ingest", keys_on)
    as_submitter = {"Authorization": f"Bearer {submitter}"}
    as_reader = {"Authorization": f"Bearer {reader}"}

    async def post(path: str, document: dict[str, Any]) -> None:
        response = await http.post(f"{ingest.url}/v1/{path}", json=document, headers=as_submitter)
        assert response.status_code == 202, response.text

    def decided(subject_id: str, stream: str = "declaration", version: int = 1) -> Any:
        async def read() -> dict[str, Any] | None:
            url = f"{gateway.url}/v1/decisions/{subject_id}?stream={stream}"
            response = await http.get(url, headers=as_reader)
            found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
            return found if found is not None and found.get("version", 1) >= version else None

        return wait_for(read, timeout_s=45)

    def linked(decision: dict[str, Any]) -> list[str]:
        return [reason["text"] for reason in decision["reasons"] if reason["kind"] == "link"]

    # Before the restart: a box's seal change, a declaration of another box, a red declaration of a third.
    await post("containers", event("EV-SEAL-FIRST", SEALED_FIRST, seals_changed=True))
    await post("declarations", declaration("D-BEFORE-EVENT", SEALED_LATER))
    await post("declarations", declaration("D-ARMS", RED_BOX, hs6_code="930200"))
    await decided("EV-SEAL-FIRST", "container")
    first = await decided("D-BEFORE-EVENT")
    assert linked(first) == []
    assert (await decided("D-ARMS"))["lane"] == "red"

    scoring.stop()
    services.start("scoring", scoring_env)  # rebuilds what it learned from the links topic alone

    # The declaration second: it carries the event.
    await post("declarations", declaration("D-AFTER-EVENT", SEALED_FIRST))
    after = await decided("D-AFTER-EVENT")
    assert linked(after) == [seal_reason(SEALED_FIRST, "EV-SEAL-FIRST")]
    assert after["lane"] in ("yellow", "red")

    # The event second: the declaration is re-decided (its next version), the event named.
    await post("containers", event("EV-SEAL-LATER", SEALED_LATER, seals_changed=True))
    again = await decided("D-BEFORE-EVENT", version=2)
    assert linked(again) == [seal_reason(SEALED_LATER, "EV-SEAL-LATER")]
    assert (again["lane"], again["amended"]) in (("yellow", True), ("red", True))
    assert [r["text"] for r in again["reasons"] if r["kind"] != "link"] == [r["text"] for r in first["reasons"]]

    # A clean event of the red declaration's box: scanned, naming the declaration.
    await post("containers", event("EV-ARMS-BOX", RED_BOX, seals_changed=False))
    scanned = await decided("EV-ARMS-BOX", "container")
    assert scanned["lane"] == "yellow"
    assert linked(scanned) == [
        f"container {RED_BOX} is covered by declaration D-ARMS, which scoring sent to red (physical examination)"
    ]

    # An unrelated box: nothing linked.
    await post("declarations", declaration("D-UNRELATED", UNRELATED_BOX))
    assert linked(await decided("D-UNRELATED")) == []
    assert (await decided("D-AFTER-EVENT", version=1))["version"] == 1  # nothing re-decided it
