"""Ingest as a port system sees it: 202 only after Kafka acknowledged, 422 naming the field, 413, 503."""

import asyncio
import copy
import shutil
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.cli.localbroker import LocalBroker
from portcullis.cli.processes import ServiceSet, free_ports
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic

pytestmark = pytest.mark.integration

README_EXAMPLE = {
    "declaration_id": "97061800",
    "submitted_at": "2021-01-04T09:00:00Z",
    "office_id": "30",
    "process_type": "B",
    "import_type": "11",
    "import_use": "21",
    "payment_type": "11",
    "transport_mode": "10",
    "declarant_id": "ZZR1LT6",
    "importer_id": "QLRUBN9",
    "seller_id": "0VKY2BR",
    "courier_id": None,
    "items": [
        {
            "hs6_code": "440890",
            "origin_country": "BE",
            "departure_country": "BE",
            "origin_indicator": "G",
            "tax_type": "FEU1",
            "tax_rate": 0.0,
            "net_mass_kg": 108.0,
            "item_price": 372254.4,
        }
    ],
}


def _with(path: list[object], value: object) -> dict[str, object]:
    document = copy.deepcopy(README_EXAMPLE)
    target: object = document
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    if value is _MISSING:
        del target[path[-1]]  # type: ignore[attr-defined]
    else:
        target[path[-1]] = value  # type: ignore[index]
    return document


_MISSING = object()


@pytest.mark.parametrize(
    ("body", "field", "reason_part"),
    [
        (b'{"declaration_id": "1", ', "body", "invalid JSON"),
        (orjson.dumps(_with(["importer_id"], _MISSING)), "importer_id", "required"),
        (orjson.dumps(_with(["items", 0, "net_mass_kg"], -3.5)), "items.0.net_mass_kg", "greater than or equal"),
        (orjson.dumps(_with(["items", 0, "origin_country"], "XQ")), "items.0.origin_country", "country code"),
        (orjson.dumps(_with(["submitted_at"], "2021-01-04T09:00:00")), "submitted_at", "timezone"),
        (orjson.dumps([README_EXAMPLE, _with(["items", 0, "hs6_code"], "44089")]), "1.items.0.hs6_code", "pattern"),
        (orjson.dumps([README_EXAMPLE, README_EXAMPLE]), "1", "also at index 0"),
    ],
    ids=[
        "invalid-json",
        "missing-field",
        "negative-mass",
        "unknown-country",
        "naive-time",
        "bad-item-in-batch",
        "duplicate-id",
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_published(
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    body: bytes,
    field: str,
    reason_part: str,
) -> None:
    ingest = services.start("ingest")
    response = await http.post(
        f"{ingest.url}/v1/declarations", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["field"] == field and reason_part in p["reason"] for p in problems), problems
    assert await read_topic(kafka, kafka.topic("declarations")) == []


async def test_a_batch_is_accepted_after_the_broker_acknowledged_and_keyed_by_declaration_id(
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    ingest = services.start("ingest")
    batch = sample_declarations[:1000]
    response = await http.post(f"{ingest.url}/v1/declarations", json=batch)
    assert response.status_code == 202
    assert response.json()["accepted"] == [d["declaration_id"] for d in batch]
    records = await read_topic(kafka, kafka.topic("declarations"))
    assert sorted(r.key.decode() for r in records) == sorted(str(d["declaration_id"]) for d in batch)  # type: ignore[attr-defined]


async def test_over_1000_items_or_an_oversized_body_is_refused(
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    ingest = services.start("ingest", {"PORTCULLIS_INGEST_MAX_BODY_BYTES": "200000"})
    too_many = await http.post(f"{ingest.url}/v1/declarations", json=sample_declarations[:1001])
    assert too_many.status_code in (413, 422)
    oversized = await http.post(f"{ingest.url}/v1/declarations", json=sample_declarations[:900])
    assert oversized.status_code == 413
    assert await read_topic(kafka, kafka.topic("declarations")) == []


async def test_broker_down_gives_503_and_ingest_recovers_without_restart(
    tmp_path: Path, services: ServiceSet, http: httpx.AsyncClient
) -> None:
    # A broker of this test's own, so stopping it disturbs nobody; it reuses the jars `make test` fetched.
    shared = LocalBroker(run_dir=Path(".run"))
    port, controller_port = free_ports(2)
    own = LocalBroker(run_dir=tmp_path / "run", port=port, controller_port=controller_port, heap_mb=256)
    own.home.mkdir(parents=True)
    shutil.copytree(shared.libs, own.libs)
    await asyncio.to_thread(own.start)
    try:
        await ensure_topics(KafkaSettings(bootstrap_servers=own.bootstrap))
        ingest = services.start(
            "ingest",
            {
                "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": own.bootstrap,
                "PORTCULLIS_KAFKA_TOPIC_PREFIX": "",
                "PORTCULLIS_INGEST_PUBLISH_TIMEOUT_S": "3",
                "PORTCULLIS_KAFKA_REQUEST_TIMEOUT_MS": "2000",
            },
        )
        assert (await http.post(f"{ingest.url}/v1/declarations", json=README_EXAMPLE)).status_code == 202

        await asyncio.to_thread(own.stop)
        down = await http.post(f"{ingest.url}/v1/declarations", json=README_EXAMPLE)
        assert down.status_code == 503
        assert (await http.get(f"{ingest.url}/readyz")).status_code == 503

        await asyncio.to_thread(own.start)
        statuses = []
        for _ in range(30):  # the client's retry loop: the broker may need a moment to lead its partitions
            statuses.append((await http.post(f"{ingest.url}/v1/declarations", json=README_EXAMPLE)).status_code)
            if statuses[-1] == 202:
                break
        assert statuses[-1] == 202, statuses
        assert set(statuses) <= {202, 503}
    finally:
        await asyncio.to_thread(own.stop)
