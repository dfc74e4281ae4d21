"""Inspection outcomes: validation, idempotency, conflicts, the outbox, and hit rates from real labels."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.cli.processes import ServiceSet
from portcullis.gateway.db import WriteGate
from portcullis.gateway.outcomes.outbox import Outbox
from portcullis.gateway.outcomes.service import record_outcome
from portcullis.shared.db import create_engine
from portcullis.shared.kafka import Publisher
from portcullis.shared.riskmodel.csvdata import read_items_csv
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.outcome import InspectionOutcome
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, read_topic, wait_for
from tests.integration.test_gateway_decisions import make_decision, wait_stored, walk

pytestmark = pytest.mark.integration

INSPECTED_AT = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
REPORT: dict[str, Any] = {
    "inspected": True,
    "irregularity_found": True,
    "severity": "major",
    "revenue_recovered": 1250000,
    "currency": "KRW",
    "officer_id": "OFF-1042",
    "notes": "declared value 60% below invoice",
    "inspected_at": INSPECTED_AT,
}
BAD_REPORTS: list[tuple[dict[str, Any], str]] = [
    ({"inspected": False}, "irregularity_found"),
    ({"severity": "huge"}, "severity"),
    ({"severity": 3}, "severity"),
    ({"irregularity_found": False, "severity": "none"}, "revenue_recovered"),
    ({"irregularity_found": False}, "severity"),
    ({"revenue_recovered": -1}, "revenue_recovered"),
    ({"revenue_recovered": "12.345"}, "revenue_recovered"),
    ({"currency": None}, "currency"),
    ({"currency": "won"}, "currency"),
    ({"notes": "x" * 2001}, "notes"),
    ({"inspected_at": "2026-11-25T12:00:00"}, "inspected_at"),
    ({"inspected_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "inspected_at"),
    ({"officer_id": "Jane Doe"}, "officer_id"),
    ({"officer_id": None}, "officer_id"),
    ({"extra": 1}, "extra"),
]


async def test_an_outcome_is_validated_stored_once_and_published_even_after_kafka_was_unreachable(
    gateway_set: ServiceSet, kafka: KafkaSettings, database_url: str, http: httpx.AsyncClient
) -> None:
    rng = random.Random(11)
    await publish_decisions(kafka, [make_decision(index, rng) for index in range(3)])
    gateway = gateway_set.start(
        "gateway",
        {
            "PORTCULLIS_GATEWAY_DATABASE_URL": database_url,
            "PORTCULLIS_GATEWAY_PUBLISH_TIMEOUT_S": "1",
            "PORTCULLIS_GATEWAY_OUTBOX_RETRY_S": "0.5",
        },
    )
    await wait_stored(http, gateway.url, 3)
    url = f"{gateway.url}/v1/decisions/D000000/outcome"

    for change, field in BAD_REPORTS:
        body = {key: value for key, value in (REPORT | change).items() if value is not None}
        response = await http.post(url, json=body)
        assert response.status_code == 422, (change, response.text)
        assert field in [error["field"] for error in response.json()["detail"]], (change, response.text)

    first = await http.post(url, json=REPORT)
    assert first.status_code == 201, first.text
    assert first.json() | {"recorded_at": None} == {
        **REPORT,
        "revenue_recovered": "1250000.00",
        "inspected_at": first.json()["inspected_at"],
        "seizure": None,
        "inspection_minutes": None,
        "correction_reason": None,
        "version": 1,
        "stream": "declaration",
        "subject_id": "D000000",
        "lane": make_decision(0, random.Random(11))["lane"],
        "recorded_at": None,
        "published": True,
    }
    again = await http.post(url, json=REPORT | {"revenue_recovered": "1250000.0"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert (await http.post(url, json=REPORT | {"notes": "something else"})).status_code == 409
    assert (await http.post(f"{gateway.url}/v1/decisions/NOPE/outcome", json=REPORT)).status_code == 404
    passenger = await http.post(url, params={"stream": "passenger"}, json=REPORT)
    assert passenger.status_code == 404

    # Accepted while Kafka does not answer: stored unpublished, then published by the next start's retry.
    engine = create_engine(database_url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions.begin() as session:
            stored = await record_outcome(session, Stream.DECLARATION, "D000001", InspectionOutcome(**REPORT))
        unreachable = Publisher(KafkaSettings(bootstrap_servers="127.0.0.1:1", request_timeout_ms=1000), timeout_s=1)
        try:
            outbox = Outbox(sessions, WriteGate(engine), unreachable, kafka.topic("outcomes"), grace_s=1)
            assert not await outbox.publish([(stored.outcome, stored.decision)])
        finally:
            await unreachable.close()
    finally:
        await engine.dispose()
    assert (await http.get(f"{gateway.url}/v1/decisions/D000001/outcome")).json()["published"] is False
    gateway.stop()
    gateway.start()

    async def published() -> bool:
        return bool((await http.get(f"{gateway.url}/v1/decisions/D000001/outcome")).json()["published"])

    await wait_for(published, timeout_s=20, interval_s=0.2)
    records = await read_topic(kafka, kafka.topic("outcomes"))
    assert sorted(record.key for record in records) == [b"D000000", b"D000001"]  # type: ignore[attr-defined]
    message = orjson.loads(records[0].value)  # type: ignore[attr-defined]
    assert {"subject_id", "lane", "score", "model_version", "irregularity_found", "severity"} <= message.keys()


async def test_hit_rates_per_lane_match_the_inspection_labels_of_the_replayed_declarations(
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
    valid_csv: Path,
) -> None:
    gateway = services.start("gateway")
    services.start("scoring")
    ingest = services.start("ingest")
    declarations = sample_declarations[:2000]
    for start in range(0, len(declarations), 500):
        response = await http.post(f"{ingest.url}/v1/declarations", json=declarations[start : start + 500])
        assert response.status_code == 202
    await wait_stored(http, gateway.url, len(declarations))

    labelled = read_items_csv(valid_csv)
    assert labelled.fraud is not None
    assert labelled.critical is not None
    ids = labelled.items["declaration_id"].astype(str).tolist()
    labels = {i: (int(f), int(c)) for i, f, c in zip(ids, labelled.fraud, labelled.critical, strict=True)}
    decisions = await walk(http, gateway.url, [("sort", "score_desc")], 500)
    assert len(decisions) == len(declarations)

    def report(index: int, subject_id: str) -> dict[str, Any]:
        fraud, critical = labels[subject_id]
        inspected = index % 5 != 0  # one in five is released without inspection: it counts in no hit rate
        return {
            "inspected": inspected,
            "irregularity_found": inspected and fraud == 1,
            "severity": critical if inspected else 0,
            "officer_id": "OFF-7",
            "inspected_at": INSPECTED_AT,
        }

    limit = asyncio.Semaphore(16)

    async def post(index: int, decision: dict[str, Any]) -> None:
        async with limit:
            response = await http.post(
                f"{gateway.url}/v1/decisions/{decision['subject_id']}/outcome",
                json=report(index, decision["subject_id"]),
            )
            assert response.status_code == 201, response.text

    await asyncio.gather(*(post(index, decision) for index, decision in enumerate(decisions)))

    expected: dict[str, dict[str, int]] = {lane: {"decisions": 0, "inspected": 0, "hits": 0} for lane in LANES}
    random_group = {"decisions": 0, "inspected": 0, "hits": 0}
    for index, decision in enumerate(decisions):
        outcome = report(index, decision["subject_id"])
        groups = [expected[decision["lane"]]] + ([random_group] if decision["random_selection"] else [])
        for group in groups:
            group["decisions"] += 1
            group["inspected"] += int(outcome["inspected"])
            group["hits"] += int(outcome["irregularity_found"])
    statistics = (await http.get(f"{gateway.url}/v1/statistics", params={"stream": "declaration"})).json()
    assert statistics["decisions"] == len(declarations)
    for lane, counts in expected.items():
        got = statistics["lanes"][lane]
        assert (got["decisions"], got["inspected"], got["irregularities"]) == tuple(counts.values()), lane
        assert got["hit_rate"] == (counts["hits"] / counts["inspected"] if counts["inspected"] else None), lane
    assert statistics["lanes"]["red"]["hit_rate"] > statistics["lanes"]["green"]["hit_rate"]
    got_random = statistics["random_selection"]
    assert (got_random["decisions"], got_random["inspected"], got_random["irregularities"]) == tuple(
        random_group.values()
    )
    assert sum(group["inspected"] for group in statistics["model_versions"].values()) == sum(
        counts["inspected"] for counts in expected.values()
    )
    assert statistics["receipt_to_decision_s"]["count"] == len(declarations)
    assert 0 <= statistics["receipt_to_decision_s"]["p50"] <= statistics["receipt_to_decision_s"]["p99"] < 30

    records = await read_topic(kafka, kafka.topic("outcomes"), timeout_s=10)
    # At least once: a retry may publish an outcome again; consumers key on the subject.
    assert {r.key.decode() for r in records} == {d["subject_id"] for d in decisions}  # type: ignore[attr-defined]
    metrics = (await http.get(f"{gateway.url}/metrics")).text
    assert 'portcullis_gateway_outcomes_total{lane="red",result="irregularity"}' in metrics
    assert "portcullis_gateway_receipt_to_storage_seconds_bucket" in metrics


LANES = ("green", "yellow", "red")
