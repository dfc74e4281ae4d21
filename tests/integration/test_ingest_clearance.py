"""Ingest of clearance events with keys on: keyed by declaration id after the acks, 422 naming the field, roles.

One ingest process serves the module (on topics of its own, auth required); each test uses ids of its own, so a
test proves "nothing published" by finding none of its ids in the topic.
"""

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.schemas.clearance import ClearanceEvent
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import BOOTSTRAP, read_topic

pytestmark = pytest.mark.integration

EVENT: dict[str, object] = ClearanceEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


@pytest.fixture(scope="module")
async def clearance_kafka() -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="module")
async def keys(clearance_kafka: KafkaSettings) -> dict[Role, str]:
    issued = {}
    for role in (Role.SUBMITTER, Role.READER):
        key, record = new_key(f"test-{role.value}", role)
        await publish_key(clearance_kafka, record)
        issued[role] = key
    return issued


@pytest.fixture(scope="module")
def ingest(
    tmp_path_factory: pytest.TempPathFactory, clearance_kafka: KafkaSettings, keys: dict[Role, str]
) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("ingest-clearance")
    service_set = ServiceSet(folder, clearance_kafka, model_registry=Path(folder / "no-models"))
    yield service_set.start("ingest", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    service_set.stop_all()


@pytest.fixture
async def submitter(keys: dict[Role, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {keys[Role.SUBMITTER]}"}) as client:
        yield client


def _event(declaration_id: str, event_type: str, at: str, agency: str = "customs") -> dict[str, object]:
    document = copy.deepcopy(EVENT)
    document.update(
        event_id=f"CE-{uuid.uuid4().hex[:12]}",
        declaration_id=declaration_id,
        event_type=event_type,
        at=at,
        agency=agency,
    )
    return document


async def _published(kafka: KafkaSettings, ids: set[str]) -> list[tuple[bytes, dict]]:  # type: ignore[type-arg]
    records = await read_topic(kafka, kafka.topic("clearance-events"))
    found = []
    for record in records:
        value = orjson.loads(record.value)  # type: ignore[attr-defined]
        if value["event_id"] in ids:
            found.append((record.key, value))  # type: ignore[attr-defined]
    return found


async def test_a_timeline_is_published_keyed_by_declaration_id_in_order(
    ingest: ServiceProcess, clearance_kafka: KafkaSettings, submitter: httpx.AsyncClient
) -> None:
    declaration_id = f"D{uuid.uuid4().hex[:10]}"
    timeline = [
        _event(declaration_id, "arrival", "2021-01-04T06:00:00+09:00"),
        _event(declaration_id, "lodged", "2021-01-04T09:00:00+09:00"),
        _event(declaration_id, "other_agency_hold", "2021-01-04T11:20:00+09:00", agency="agriculture"),
        _event(declaration_id, "other_agency_release", "2021-01-05T10:00:00+09:00", agency="agriculture"),
        _event(declaration_id, "released", "2021-01-05T10:30:00+09:00"),
    ]
    response = await submitter.post(f"{ingest.url}/v1/clearance-events", json=timeline)
    assert response.status_code == 202, response.text
    ids = [str(event["event_id"]) for event in timeline]
    assert response.json() == {"accepted": ids, "count": 5}
    published = await _published(clearance_kafka, set(ids))
    assert {key for key, _ in published} == {declaration_id.encode()}
    assert [value["event_type"] for _, value in published] == [
        "arrival", "lodged", "other_agency_hold", "other_agency_release", "released",
    ]  # fmt: skip
    # The canonical JSON of the schema: times in UTC offsets as given, every field present.
    first = ClearanceEvent.model_validate(published[0][1])
    assert first.model_dump(mode="json") == published[0][1]
    assert published[2][1]["agency"] == "agriculture"
    assert published[0][1]["transport_mode"] == "sea"


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        ({"event_type": "teleported"}, "1.event_type", "arrival"),
        ({"agency": "customs", "event_type": "other_agency_hold"}, "1.agency", "names that agency"),
        ({"at": "2021-01-04T11:20:00"}, "1.at", "timezone"),
        ({"declaration_id": "no spaces allowed"}, "1.declaration_id", "pattern"),
    ],
)
async def test_a_bad_event_gets_422_naming_the_field_and_nothing_is_published(
    ingest: ServiceProcess,
    clearance_kafka: KafkaSettings,
    submitter: httpx.AsyncClient,
    changes: dict[str, object],
    field: str,
    reason_part: str,
) -> None:
    good = _event("97061800", "lodged", "2021-01-04T09:00:00+09:00")
    bad = _event("97061800", "released", "2021-01-05T09:00:00+09:00") | changes
    response = await submitter.post(f"{ingest.url}/v1/clearance-events", json=[good, bad])
    assert response.status_code == 422, response.text
    reasons = {error["field"]: error["reason"] for error in response.json()["detail"]}
    assert reason_part in reasons[field], reasons
    assert await _published(clearance_kafka, {str(good["event_id"]), str(bad["event_id"])}) == []


async def test_only_a_submitter_key_may_post(ingest: ServiceProcess, keys: dict[Role, str]) -> None:
    event = _event("97061800", "lodged", "2021-01-04T09:00:00+09:00")
    async with httpx.AsyncClient(timeout=30) as anonymous:
        url = f"{ingest.url}/v1/clearance-events"
        assert (await anonymous.post(url, json=event)).status_code == 401
        reader = {"Authorization": f"Bearer {keys[Role.READER]}"}
        assert (await anonymous.post(url, json=event, headers=reader)).status_code == 403
