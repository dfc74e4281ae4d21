"""Ingest of passenger records and container events: keyed messages after the acks, 422 naming the field.

One ingest process serves the whole module (on topics of its own); each test uses ids of its own, so a test
proves "nothing published" by finding none of its ids in the topic.
"""

import asyncio
import copy
import csv
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import BOOTSTRAP, read_topic

pytestmark = pytest.mark.integration

PASSENGER: dict[str, object] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
CONTAINER: dict[str, object] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


@pytest.fixture(scope="module")
async def stream_kafka() -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="module")
def ingest(tmp_path_factory: pytest.TempPathFactory, stream_kafka: KafkaSettings) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("ingest-streams")
    service_set = ServiceSet(folder, stream_kafka, model_registry=Path(folder / "no-models"))
    yield service_set.start("ingest", {"PORTCULLIS_INGEST_MAX_BODY_BYTES": "300000"})
    service_set.stop_all()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def _passenger(**changes: object) -> dict[str, object]:
    document = copy.deepcopy(PASSENGER)
    document["record_id"] = f"P-{uuid.uuid4().hex[:12]}"
    document.update(changes)
    return document


def _container(**changes: object) -> dict[str, object]:
    document = copy.deepcopy(CONTAINER)
    document["event_id"] = f"E-{uuid.uuid4().hex[:12]}"
    document.update(changes)
    return document


async def _published(kafka: KafkaSettings, stream: str, id_field: str, ids: set[str]) -> list[tuple[bytes, dict]]:  # type: ignore[type-arg]
    records = await read_topic(kafka, kafka.topic(stream))
    found = []
    for record in records:
        value = orjson.loads(record.value)  # type: ignore[attr-defined]
        if value[id_field] in ids:
            found.append((record.key, value))  # type: ignore[attr-defined]
    return found


async def test_passenger_records_are_published_keyed_by_record_id(
    ingest: ServiceProcess, stream_kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    batch = [_passenger() for _ in range(3)]
    response = await http.post(f"{ingest.url}/v1/passengers", json=batch)
    assert response.status_code == 202, response.text
    ids = [str(d["record_id"]) for d in batch]
    assert response.json() == {"accepted": ids, "count": 3}
    published = await _published(stream_kafka, "passengers", "record_id", set(ids))
    assert sorted((key.decode(), value["record_id"]) for key, value in published) == sorted(zip(ids, ids, strict=True))
    assert PassengerRecord.model_validate(published[0][1]).surname == "Müller-Lüdenscheidt"


async def test_one_containers_events_share_its_key_and_keep_their_order(
    ingest: ServiceProcess, stream_kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    journey = [
        _container(event_type=event_type, event_time=f"2026-03-0{day}T06:00:00+00:00")
        for day, event_type in enumerate(["gate-in", "loaded", "discharged"], start=1)
    ]
    response = await http.post(f"{ingest.url}/v1/containers", json=journey)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == [d["event_id"] for d in journey]
    published = await _published(stream_kafka, "containers", "event_id", {str(d["event_id"]) for d in journey})
    assert {key for key, _ in published} == {b"CSQU3054383"}
    assert [value["event_type"] for _, value in published] == ["gate-in", "loaded", "discharged"]


async def test_a_single_object_is_accepted_too(
    ingest: ServiceProcess, stream_kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    event = _container(container_number="csqu 305438 3")
    response = await http.post(f"{ingest.url}/v1/containers", json=event)
    assert response.status_code == 202, response.text
    published = await _published(stream_kafka, "containers", "event_id", {str(event["event_id"])})
    assert published[0][1]["container_number"] == "CSQU3054383"


@pytest.mark.parametrize(
    ("stream", "id_field", "documents", "field", "reason_part"),
    [
        ("passengers", "record_id", [_passenger(departure_airport="QQQ")], "departure_airport", "unknown IATA"),
        (
            "passengers",
            "record_id",
            [_passenger(), _passenger(document={**PASSENGER["document"], "expiry_date": "31.12.2030"})],  # type: ignore[dict-item]
            "1.document.expiry_date",
            "YYYY-MM-DD",
        ),
        (
            "passengers",
            "record_id",
            [_passenger(document={**PASSENGER["document"], "number": "AB 12<34"})],  # type: ignore[dict-item]
            "document.number",
            "capital letters and digits",
        ),
        ("containers", "event_id", [_container(container_number="CSQU3054384")], "container_number", "check digit"),
        ("containers", "event_id", [_container(), _container(vessel_imo="9074720")], "1.vessel_imo", "check digit"),
        ("containers", "event_id", [_container(port_of_discharge="NLXXX")], "port_of_discharge", "unknown UN/LOCODE"),
    ],
    ids=[
        "unknown-airport",
        "bad-expiry-in-batch",
        "bad-document-number",
        "container-check-digit",
        "imo-check-digit",
        "unknown-port",
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_published(
    ingest: ServiceProcess,
    stream_kafka: KafkaSettings,
    http: httpx.AsyncClient,
    stream: str,
    id_field: str,
    documents: list[dict[str, object]],
    field: str,
    reason_part: str,
) -> None:
    body = documents if len(documents) > 1 else documents[0]
    response = await http.post(f"{ingest.url}/v1/{stream}", json=body)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["field"] == field and reason_part in p["reason"] for p in problems), problems
    assert await _published(stream_kafka, stream, id_field, {str(d[id_field]) for d in documents}) == []


async def test_duplicate_ids_too_many_items_and_oversized_bodies_are_refused(
    ingest: ServiceProcess, stream_kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    twice = _container()
    duplicate = await http.post(f"{ingest.url}/v1/containers", json=[twice, twice])
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["field"] == "1"
    minimal = [{"record_id": f"X{n}"} for n in range(1001)]
    too_many = await http.post(f"{ingest.url}/v1/passengers", json=minimal)
    assert too_many.status_code == 422
    assert "at most 1000" in too_many.json()["detail"][0]["reason"]
    oversized = await http.post(
        f"{ingest.url}/v1/passengers",
        content=b"[" + b" " * 300_001 + b"]",
        headers={"content-type": "application/json"},
    )
    assert oversized.status_code == 413
    assert await _published(stream_kafka, "containers", "event_id", {str(twice["event_id"])}) == []


async def test_the_openapi_document_describes_both_streams(ingest: ServiceProcess, http: httpx.AsyncClient) -> None:
    document = (await http.get(f"{ingest.url}/openapi.json")).json()
    for path, schema in [("/v1/passengers", "PassengerRecord"), ("/v1/containers", "ContainerEvent")]:
        operation = document["paths"][path]["post"]
        assert set(operation["responses"]) >= {"202", "413", "422", "503"}
        body = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
        assert body[0] == {"$ref": f"#/components/schemas/{schema}"}
        assert document["components"]["schemas"][schema]["examples"]


@pytest.mark.parametrize(("stream", "id_field", "key_field"), [
    ("passengers", "record_id", "record_id"),
    ("containers", "event_id", "container_number"),
])  # fmt: skip
async def test_replay_generates_sends_and_writes_the_truth(
    ingest: ServiceProcess,
    stream_kafka: KafkaSettings,
    tmp_path: Path,
    stream: str,
    id_field: str,
    key_field: str,
) -> None:
    suffix = f"-{uuid.uuid4().hex[:6]}"
    truth = tmp_path / "truth.csv"
    portcullis = str(Path(sys.executable).parent / "portcullis")
    command = [portcullis, "replay", stream, "--url", ingest.url, "--rate", "0"]
    options = ["--count", "150", "--seed", "21", "--planted-share", "0.2", "--truth", str(truth), "--id-suffix", suffix]
    process = await asyncio.create_subprocess_exec(*command, *options, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    assert process.returncode == 0, output
    assert b"accepted 150, failed 0" in output
    rows = list(csv.DictReader(truth.open(encoding="utf-8")))
    assert len(rows) == 150
    assert all(row["subject_id"].endswith(suffix) for row in rows)
    published = await _published(stream_kafka, stream, id_field, {row["subject_id"] for row in rows})
    assert len(published) == 150
    assert all(key.decode() == value[key_field] for key, value in published)
    keys = {row["subject_id"]: row["partition_key"] for row in rows}
    assert all(keys[value[id_field]] == key.decode() for key, value in published)
