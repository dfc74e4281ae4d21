"""Passenger records and container events end to end on the real broker: POST to ingest, decision in the gateway.

One system serves the module: watchlist (with the whole OFAC SDN list imported through its API), scoring, gateway
and ingest as processes on topics of their own.
"""

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import PlantedKind, generate_passengers
from tests.conftest import REPO
from tests.integration.conftest import BOOTSTRAP, live_changes_applied, read_topic, until_scoring_applies, wait_for

pytestmark = pytest.mark.integration

SDN_DIR = REPO / "data" / "ofac-sdn"
USER = {"X-Portcullis-User": "analyst.streams"}
PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


@dataclass
class System:
    watchlist: ServiceProcess
    gateway: ServiceProcess
    ingest: ServiceProcess
    scoring: ServiceProcess
    sdn: list[WatchlistEntry]


@pytest.fixture(scope="module")
async def stream_kafka() -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory, stream_kafka: KafkaSettings, model_registry: Path
) -> Iterator[System]:
    service_set = ServiceSet(tmp_path_factory.mktemp("streams"), stream_kafka, model_registry)
    try:
        watchlist = service_set.start("watchlist")
        imported = httpx.post(
            f"{watchlist.url}/v1/watchlist/imports/ofac-sdn",
            json={"sdn_csv": (SDN_DIR / "sdn.csv").read_text(), "alt_csv": (SDN_DIR / "alt.csv").read_text()},
            headers=USER,
            timeout=300,
        )
        assert imported.status_code == 200, imported.text
        gateway = service_set.start("gateway")
        # Scoring is ready only once it has read the whole list from the topic.
        scoring = service_set.start("scoring", {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
        ingest = service_set.start("ingest")
        yield System(watchlist, gateway, ingest, scoring, load_ofac_sdn(SDN_DIR))
    finally:
        service_set.stop_all()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def decide(
    http: httpx.AsyncClient, system: System, stream: str, documents: list[dict[str, Any]]
) -> dict[str, Any]:
    """Submit records of a stream to ingest and wait for all their decisions in the gateway."""
    path, id_field, name = {
        "passenger": ("passengers", "record_id", "passenger"),
        "container": ("containers", "event_id", "container"),
    }[stream]
    response = await http.post(f"{system.ingest.url}/v1/{path}", json=documents)
    assert response.status_code == 202, response.text
    decisions: dict[str, Any] = {}

    async def stored() -> bool:
        for document in documents:
            subject = str(document[id_field])
            if subject in decisions:
                continue
            answer = await http.get(f"{system.gateway.url}/v1/decisions/{subject}", params={"stream": name})
            if answer.status_code == 200:
                decisions[subject] = answer.json()
        return len(decisions) == len(documents)

    await wait_for(stored, timeout_s=30, interval_s=0.05)
    return decisions


def watchlist_reasons(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [reason for reason in decision["reasons"] if reason["kind"] == "watchlist"]


async def put_rule(http: httpx.AsyncClient, system: System, rule_id: str, rule: dict[str, Any]) -> None:
    """Save a rule through the API and wait until scoring has applied it (it follows the topic on its own)."""
    applied_before = await live_changes_applied(http, system.scoring.url)
    response = await http.put(f"{system.watchlist.url}/v1/rules/{rule_id}", json=rule, headers=USER)
    assert response.status_code in (200, 201), response.text
    await until_scoring_applies(http, system.scoring.url, applied_before)


async def test_listed_travellers_under_name_variants_are_caught_and_clean_ones_cleared(
    system: System, http: httpx.AsyncClient
) -> None:
    planted = generate_passengers(300, seed=41, planted_share=1.0, watchlist=system.sdn)
    chosen: dict[str, tuple[dict[str, Any], str]] = {}
    for record, truth in zip(planted.items, planted.truth, strict=True):
        variant = truth.detail.split(";")[0].split(", ")[-1]
        if PlantedKind.SDN_PERSON in truth.kinds and variant not in chosen:
            chosen[variant] = (record.model_dump(mode="json"), truth.watchlist_entry)
    assert {"exact", "transliteration", "typo"} <= set(chosen)
    clean = [r.model_dump(mode="json") for r in generate_passengers(20, seed=42, planted_share=0.0).items]
    decisions = await decide(http, system, "passenger", [d for d, _ in chosen.values()] + clean)

    for variant, (document, entry_id) in chosen.items():
        decision = decisions[document["record_id"]]
        assert decision["stream"] == "passenger"
        # Caught: a lane, or a possible match waiting for an analyst's review (which forces no lane by itself).
        pending = [m["entry_id"] for m in decision.get("review", {}).get("possible_matches", [])]
        assert decision["lane"] in ("red", "yellow") or entry_id in pending, variant
        hits = [r for r in watchlist_reasons(decision) if r["code"] == entry_id]
        assert hits, (variant, decision["reasons"])
        assert "'OFAC SDN'" in hits[0]["text"]
        assert hits[0]["weight"] >= 0.85
        assert document["surname"] not in str(decision["attributes"])
    cleared = [decisions[d["record_id"]]["lane"] == "green" for d in clean]
    assert sum(cleared) >= len(clean) - 1  # a clean traveller may carry an indicator (short validity, detour)


async def test_a_passenger_rule_created_through_the_api_sets_the_lane(system: System, http: httpx.AsyncClient) -> None:
    rule = {
        "name": "Document expired on arrival",
        "stream": "passenger",
        "reason": "travel document expired before arrival: hold for the border police",
        "action": {"lane": "red"},
        "condition": {"field": "document_validity_days", "op": "lt", "value": 0},
    }
    await put_rule(http, system, "R-PAX-EXPIRED", rule)
    expired = copy.deepcopy(PASSENGER)
    expired["record_id"] = f"P-{uuid.uuid4().hex[:10]}"
    expired["document"]["expiry_date"] = "2026-02-20"

    decision = (await decide(http, system, "passenger", [expired]))[expired["record_id"]]
    assert decision["lane"] == "red"
    assert decision["reasons"][0]["code"] == "R-PAX-EXPIRED"


async def test_a_container_on_an_sdn_vessel_is_red_and_a_weight_gap_gets_the_rules_lane(
    system: System, http: httpx.AsyncClient
) -> None:
    vessel = next(e for e in system.sdn if e.kind == "vessel" and e.imo_number)
    rule = {
        "name": "VGM against declared weight",
        "stream": "container",
        "reason": "verified gross mass more than 5% off the declared weight: non-intrusive scan",
        "action": {"lane": "yellow"},
        "condition": {"field": "weight_discrepancy_pct", "op": "gt", "value": 5},
    }
    await put_rule(http, system, "R-VGM-5", rule)
    dry = await http.post(
        f"{system.watchlist.url}/v1/rules/dry-run",
        json={"rule_id": "R-VGM-5", "containers": [CONTAINER, {**CONTAINER, "verified_gross_mass_kg": 20_000.0}]},
        headers=USER,
    )
    assert dry.status_code == 200, dry.text
    assert [r["matched"] for r in dry.json()["results"]] == [False, True]

    def event(**changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(CONTAINER), "event_id": f"E-{uuid.uuid4().hex[:10]}", **changes}

    on_sdn_vessel = event(vessel_imo=vessel.imo_number, vessel_name="OCEAN STAR")
    within = event(verified_gross_mass_kg=18_700.0)  # 2.5% off
    beyond = event(verified_gross_mass_kg=19_900.0)  # 9.0% off

    decisions = await decide(http, system, "container", [on_sdn_vessel, within, beyond])
    assert decisions[beyond["event_id"]]["lane"] == "yellow"
    red = decisions[on_sdn_vessel["event_id"]]
    assert red["lane"] == "red"
    assert red["stream"] == "container"
    [hit] = [r for r in watchlist_reasons(red) if r["code"] == vessel.entry_id]
    assert hit["text"].startswith(f"vessel IMO {vessel.imo_number} is {vessel.name!r} on the watchlist 'OFAC SDN'")
    assert "IMO number matches" in hit["text"]
    assert decisions[within["event_id"]]["lane"] == "green"
    gap = decisions[beyond["event_id"]]
    assert [r["code"] for r in gap["reasons"] if r["kind"] == "rule"] == ["R-VGM-5"]
    assert gap["reasons"][0]["text"] == rule["reason"]

    # Containers are listed and filtered like declarations: by stream and by port (office_id).
    listed = await http.get(
        f"{system.gateway.url}/v1/decisions", params={"stream": "container", "office_id": "CNSHA", "lane": "red"}
    )
    assert on_sdn_vessel["event_id"] in [d["subject_id"] for d in listed.json()["items"]]


async def test_a_bad_message_on_a_stream_topic_is_dead_lettered_and_the_partition_goes_on(
    system: System, stream_kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    from aiokafka import AIOKafkaProducer

    bad_box = {**copy.deepcopy(CONTAINER), "event_id": f"E-{uuid.uuid4().hex[:10]}", "vessel_imo": "9074720"}
    good_box = {**copy.deepcopy(CONTAINER), "event_id": f"E-{uuid.uuid4().hex[:10]}"}
    bad_traveller = {**copy.deepcopy(PASSENGER), "record_id": f"P-{uuid.uuid4().hex[:10]}", "arrival_airport": "QQQ"}
    producer = AIOKafkaProducer(bootstrap_servers=stream_kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        # Straight onto the topics (ingest would refuse them): the bad one first, on the good one's partition.
        containers, passengers = stream_kafka.topic("containers"), stream_kafka.topic("passengers")
        await producer.send_and_wait(containers, orjson.dumps(bad_box), key=b"CSQU3054383", partition=0)
        await producer.send_and_wait(containers, orjson.dumps(good_box), key=b"CSQU3054383", partition=0)
        await producer.send_and_wait(passengers, orjson.dumps(bad_traveller), key=b"P", partition=0)
    finally:
        await producer.stop()

    async def good_decided() -> bool:
        answer = await http.get(f"{system.gateway.url}/v1/decisions/{good_box['event_id']}?stream=container")
        return answer.status_code == 200

    await wait_for(good_decided, timeout_s=20, interval_s=0.1)

    async def dead_letters() -> list[dict[str, bytes]] | None:
        found = [
            dict(record.headers)  # type: ignore[attr-defined]
            for topic in ("containers.dlq", "passengers.dlq")
            for record in await read_topic(stream_kafka, stream_kafka.topic(topic))
        ]
        return found if len(found) == 2 else None

    box_letter, traveller_letter = await wait_for(dead_letters, timeout_s=20, interval_s=0.2)
    assert box_letter["reason"].decode().startswith("vessel_imo:")
    assert b"check digit" in box_letter["reason"]
    assert box_letter["error"] == b"invalid_container"
    assert b"arrival_airport" in traveller_letter["reason"]
    assert traveller_letter["error"] == b"invalid_passenger"
    status = await http.get(f"{system.gateway.url}/v1/decisions/{bad_box['event_id']}?stream=container")
    assert status.status_code == 404
