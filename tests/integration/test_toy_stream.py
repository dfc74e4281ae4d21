"""A new stream is one schema, one catalogue entry and one scoring pipeline: a toy "vehicles" stream declared only in
this module is accepted by ingest (202, on its own topic), decided by scoring (a decision on `decisions`) and its
bad records are dead-lettered, on the real broker with authentication on.

A real stream touches these files and no others (`NEW_STREAM_FILES`): its schema, its catalogue entry, its
pipeline and the pipeline's line in scoring's `PIPELINES`, its decision kind, its rule fields (if rules test it),
the Kafka users' ACLs and the rendered topics of the Kubernetes manifests (tests/deploy checks both against the
catalogue). Ingest's routes, scoring's consumers and groups, the topic layout and the rule dry run follow from the
catalogue.
"""

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.cli.keys import publish_key
from portcullis.ingest.app import create_app as create_ingest
from portcullis.ingest.settings import IngestSettings
from portcullis.scoring.app import PipelineResources
from portcullis.scoring.app import create_app as create_scoring
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.scoring.streams import Indicator, StreamPipeline
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import ensure_topics, topic_layout
from portcullis.shared.schemas import Lane
from portcullis.shared.schemas.codes import CountryCode
from portcullis.shared.schemas.decision import declare_stream
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import CATALOGUE, ScoringDefaults, StreamCatalogue, StreamSpec
from tests.conftest import REPO
from tests.integration.conftest import BOOTSTRAP, wait_for

pytestmark = pytest.mark.integration

#: What adding a real stream edits (the toy below puts the first three in this module).
NEW_STREAM_FILES = [
    "shared/portcullis/shared/schemas/<stream>.py",  # the schema
    "shared/portcullis/shared/streams.py",  # the catalogue entry
    "services/scoring/portcullis/scoring/<stream>.py",  # the pipeline (subject's time, screening, indicators)
    "services/scoring/portcullis/scoring/app.py",  # the pipeline's line in PIPELINES
    "shared/portcullis/shared/schemas/decision.py",  # the decision kind (a Stream member)
    "shared/portcullis/shared/rules/fields.py",  # rule fields, if rules test the stream
    "deploy/k8s/base/kafka-users.yaml",  # ingest writes, scoring reads it and writes its dead letters
    "deploy/k8s/base/kafka-topics.yaml",  # rendered by deploy/k8s/render-kafka-topics.py
]


# --- the toy stream: a schema, a catalogue entry, a pipeline ---------------------------------------------------------


class VehicleCrossing(BaseModel):
    """A lorry crossing a land border."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    crossing_id: str = Field(min_length=1, max_length=40)
    plate: str = Field(pattern=r"^[A-Z0-9]{2,10}$")
    country: CountryCode
    crossed_at: AwareDatetime
    declared_empty: bool
    gross_weight_kg: float = Field(gt=0, le=60_000)


def _crossing_id(crossing: VehicleCrossing) -> str:
    return crossing.crossing_id


def _plate(crossing: VehicleCrossing) -> str:
    return crossing.plate


VEHICLES: StreamSpec[VehicleCrossing] = StreamSpec(
    kind=declare_stream("vehicle"),
    name="vehicles",
    schema=VehicleCrossing,
    subject_id=_crossing_id,
    partition_key=_plate,  # one vehicle's crossings in order
    summary="Submit one vehicle crossing or a batch of up to {max_batch:,}",
    lanes={Lane.GREEN: "release", Lane.YELLOW: "scan", Lane.RED: "search"},
    scoring=ScoringDefaults(yellow_score=0.4, red_score=0.75, random_selection_lane=Lane.YELLOW),
    partitions=2,
)


class VehiclePipeline(StreamPipeline[VehicleCrossing]):
    """A lorry declared empty that weighs like a loaded one is searched."""

    spec = VEHICLES
    scheme_version = "vehicle-indicators-toy"

    def submitted_at(self, subject: VehicleCrossing, received_at: datetime) -> datetime:
        return subject.crossed_at

    def screen(self, subject: VehicleCrossing, at: datetime, selection: Selection) -> None:
        return None

    def indicators(self, subject: VehicleCrossing) -> list[Indicator]:
        if subject.declared_empty and subject.gross_weight_kg > 20_000:
            return [Indicator("empty_but_heavy", 0.8, "declared empty but weighs like a loaded lorry")]
        return []

    def attributes(self, subject: VehicleCrossing) -> dict[str, str]:
        return {"country": subject.country}


#: Portcullis' topics and the toy stream's.
LAYOUT = topic_layout(CATALOGUE.with_stream(VEHICLES))


def _vehicle_pipeline(resources: PipelineResources) -> Any:
    return VehiclePipeline(resources.settings, resources.lists, resources.publisher, resources.selections).handle


# --- the test --------------------------------------------------------------------------------------------------------

CROSSING = {
    "plate": "AB123CD",
    "country": "PL",
    "crossed_at": "2026-12-03T08:00:00+01:00",
    "declared_empty": False,
    "gross_weight_kg": 14_000,
}


def _crossing(**changes: object) -> dict[str, object]:
    return {**copy.deepcopy(CROSSING), "crossing_id": f"V-{uuid.uuid4().hex[:10]}", **changes}


@pytest.fixture
async def kafka() -> KafkaSettings:
    """Fresh topics: Portcullis' and the toy stream's."""
    settings = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(settings, topics=LAYOUT)
    return settings


async def _records(kafka: KafkaSettings, topic: str, want: int) -> list[Any]:
    """At least `want` records of a topic, read from its beginning (waiting up to 30 s)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        name = kafka.topic(topic)
        partitions = [TopicPartition(name, p) for p in range(LAYOUT[topic].partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(records) < want and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _running(stack: AsyncExitStack, app: FastAPI) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://test"))


@pytest.fixture
async def system(kafka: KafkaSettings, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """Ingest with the toy stream added to the catalogue, scoring deciding it alone; a submitter key."""
    key, record = new_key("toy-stream", Role.SUBMITTER)
    await publish_key(kafka, record)
    ingest = create_ingest(IngestSettings(kafka=kafka), catalogue=CATALOGUE.with_stream(VEHICLES))
    scoring = create_scoring(
        ScoringSettings(
            kafka=kafka, group_id=f"toy-{uuid.uuid4().hex[:8]}", model_registry=tmp_path, random_selection_rate=0
        ),
        catalogue=StreamCatalogue([VEHICLES]),
        pipelines={VEHICLES.kind: _vehicle_pipeline},
    )
    async with AsyncExitStack() as stack:
        client = await _running(stack, ingest)
        await _running(stack, scoring)
        headers = {"Authorization": f"Bearer {key}"}

        async def key_known() -> bool:
            answer = await client.post("/v1/vehicles", headers=headers, json=[])
            return answer.status_code not in (401, 403)

        await wait_for(key_known, timeout_s=20, interval_s=0.2)
        yield client, headers


async def test_a_stream_declared_in_one_module_is_ingested_decided_and_dead_lettered(
    system: tuple[httpx.AsyncClient, dict[str, str]], kafka: KafkaSettings
) -> None:
    client, headers = system
    clean, smuggler = _crossing(), _crossing(plate="ZZ999", declared_empty=True, gross_weight_kg=31_000)

    assert (await client.post("/v1/vehicles", json=[clean, smuggler])).status_code == 401  # no key, no entry
    accepted = await client.post("/v1/vehicles", headers=headers, json=[clean, smuggler])
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["accepted"] == [clean["crossing_id"], smuggler["crossing_id"]]
    on_topic = await _records(kafka, "vehicles", want=2)
    assert {(r.key, orjson.loads(r.value)["crossing_id"]) for r in on_topic} == {
        (b"AB123CD", clean["crossing_id"]),
        (b"ZZ999", smuggler["crossing_id"]),
    }
    refused = await client.post("/v1/vehicles", headers=headers, json=_crossing(plate="not a plate"))
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["detail"]] == ["plate"]

    decisions = {
        decision["subject_id"]: decision
        for decision in (orjson.loads(r.value) for r in await _records(kafka, "decisions", want=2))
    }
    assert decisions[clean["crossing_id"]]["stream"] == "vehicle"
    assert decisions[clean["crossing_id"]]["lane"] == "green"
    searched = decisions[smuggler["crossing_id"]]
    assert searched["lane"] == "red"
    assert searched["model_version"] == "vehicle-indicators-toy"
    assert "declared empty but weighs like a loaded lorry" in [reason["text"] for reason in searched["reasons"]]
    assert searched["attributes"] == {"country": "PL"}

    # A record ingest would refuse, put straight on the topic, goes to the stream's own dead letters.
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(kafka.topic("vehicles"), orjson.dumps(_crossing(country="XX")), key=b"AB123CD")
    finally:
        await producer.stop()
    [letter] = await _records(kafka, "vehicles.dlq", want=1)
    assert dict(letter.headers)["error"] == b"invalid_vehicle"
    assert dict(letter.headers)["reason"].startswith(b"country")


def test_the_files_a_new_stream_touches_exist() -> None:
    for path in NEW_STREAM_FILES:
        if "<stream>" not in path:
            assert (REPO / path).is_file(), path
