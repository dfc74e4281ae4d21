"""The gateway against hostile clients, as a process with authentication on: edge-case times answered 422, forged
cursors refused, a cap on live streams per key, a revoked key's streams ended, late headers cut off."""

import asyncio
import base64
import random
import time

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, wait_for
from tests.integration.test_gateway_decisions import make_decision
from tests.integration.test_gateway_live import EventReader

pytestmark = pytest.mark.integration

EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
STREAMS_PER_KEY = 2


@pytest.fixture
async def gateway(gateway_set: ServiceSet, kafka: KafkaSettings) -> tuple[ServiceProcess, dict[Role, str]]:
    keys: dict[Role, str] = {}
    for role in (Role.READER, Role.INSPECTOR, Role.ADMIN):
        keys[role], record = new_key(f"hardening-{role.value}", role)
        await publish_key(kafka, record)
    service = gateway_set.start(
        "gateway",
        {
            "PORTCULLIS_AUTH_REQUIRED": "true",
            "PORTCULLIS_GATEWAY_LIVE_STREAMS_PER_KEY": str(STREAMS_PER_KEY),
            "PORTCULLIS_GATEWAY_LIVE_HEARTBEAT_S": "0.5",
            "PORTCULLIS_HEADER_TIMEOUT_S": "1",
        },
    )
    async with httpx.AsyncClient(timeout=10) as client:

        async def known() -> bool:
            answer = await client.get(f"{service.url}/v1/decisions", headers=_bearer(keys[Role.ADMIN]))
            return answer.status_code == 403  # a known key of the wrong role: the ring caught up

        await wait_for(known, timeout_s=20, interval_s=0.2)
    return service, keys


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _fields(answer: httpx.Response) -> list[str]:
    return [error["field"] for error in answer.json()["detail"]]


@pytest.mark.parametrize("path", ["/v1/decisions", "/v1/statistics"])
async def test_time_filters_without_a_utc_equivalent_get_422_naming_the_parameter(
    gateway: tuple[ServiceProcess, dict[Role, str]], http: httpx.AsyncClient, path: str
) -> None:
    service, keys = gateway
    for parameter in ("decided_from", "decided_to"):
        for moment in EDGE_TIMES:
            answer = await http.get(
                f"{service.url}{path}", params={parameter: moment}, headers=_bearer(keys[Role.READER])
            )
            assert answer.status_code == 422, (parameter, moment, answer.text)
            assert _fields(answer) == [parameter]


async def test_a_resume_id_beyond_the_store_s_integers_gets_422(
    gateway: tuple[ServiceProcess, dict[Role, str]], http: httpx.AsyncClient
) -> None:
    service, keys = gateway
    url = f"{service.url}/v1/decisions/stream"
    too_large = str(2**63)
    by_query = await http.get(url, params={"after_id": too_large}, headers=_bearer(keys[Role.READER]))
    assert by_query.status_code == 422
    assert _fields(by_query) == ["after_id"]
    by_header = await http.get(url, headers={**_bearer(keys[Role.READER]), "Last-Event-ID": too_large})
    assert by_header.status_code == 422
    assert _fields(by_header) == ["Last-Event-ID"]


async def test_an_outcome_inspected_at_a_time_without_a_utc_equivalent_gets_422(
    gateway: tuple[ServiceProcess, dict[Role, str]], kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    service, keys = gateway
    decision = make_decision(1, random.Random(1))
    await publish_decisions(kafka, [decision])

    async def stored() -> bool:
        url = f"{service.url}/v1/decisions/{decision['subject_id']}"
        return (await http.get(url, headers=_bearer(keys[Role.READER]))).status_code == 200

    await wait_for(stored, timeout_s=20)
    report = {"inspected": True, "irregularity_found": False, "officer_id": "OFF-1", "inspected_at": EDGE_TIMES[0]}
    url = f"{service.url}/v1/decisions/{decision['subject_id']}/outcome"
    answer = await http.post(url, json=report, headers=_bearer(keys[Role.INSPECTOR]))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["inspected_at"]


async def test_a_forged_cursor_is_refused_and_a_genuine_one_works(
    gateway: tuple[ServiceProcess, dict[Role, str]], kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    service, keys = gateway
    rng = random.Random(2)
    await publish_decisions(kafka, [make_decision(index, rng) for index in range(10, 16)])
    reader = _bearer(keys[Role.READER])

    async def first_page() -> dict[str, object] | None:
        answer = await http.get(f"{service.url}/v1/decisions", params={"limit": 2}, headers=reader)
        page: dict[str, object] = answer.json()
        return page if len(page["items"]) == 2 and page["next_cursor"] else None  # type: ignore[arg-type]

    page = await wait_for(first_page, timeout_s=20)
    cursor = str(page["next_cursor"])
    genuine = await http.get(f"{service.url}/v1/decisions", params={"limit": 2, "cursor": cursor}, headers=reader)
    assert genuine.status_code == 200
    # Rewrite the readable payload (here: the row id, to jump anywhere) and keep the signature, or drop it.
    payload, _, signature = cursor.partition(".")
    fields = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields[2] = 10**9
    forged_payload = base64.urlsafe_b64encode(orjson.dumps(fields)).decode().rstrip("=")
    for forged in (f"{forged_payload}.{signature}", forged_payload):
        answer = await http.get(f"{service.url}/v1/decisions", params={"limit": 2, "cursor": forged}, headers=reader)
        assert answer.status_code == 422, answer.text
        assert _fields(answer) == ["cursor"]


async def test_live_streams_are_capped_per_key_and_end_within_seconds_of_its_revocation(
    gateway: tuple[ServiceProcess, dict[Role, str]], http: httpx.AsyncClient
) -> None:
    service, keys = gateway
    url = f"{service.url}/v1/decisions/stream"
    reader = _bearer(keys[Role.READER])
    async with (
        http.stream("GET", url, headers=reader) as first,
        http.stream("GET", url, headers=reader) as second,
    ):
        assert first.status_code == second.status_code == 200
        third = await http.get(url, headers=reader)
        assert third.status_code == 429
        assert int(third.headers["Retry-After"]) >= 1
        async with http.stream("GET", url, headers=_bearer(keys[Role.INSPECTOR])) as other_key:
            assert other_key.status_code == 200  # the cap is per key
        key_id = keys[Role.READER].split("_")[1]
        revoked = await http.delete(f"{service.url}/v1/keys/{key_id}", headers=_bearer(keys[Role.ADMIN]))
        assert revoked.status_code == 204
        started = time.monotonic()
        for response in (first, second):
            events = EventReader(response)
            closing = await events.next(timeout_s=10)
            while closing.event != "close":
                closing = await events.next(timeout_s=10)
            assert orjson.loads(closing.data or "") == {"reason": "API key revoked"}
        assert time.monotonic() - started < 5
    assert (await http.get(f"{service.url}/v1/decisions", headers=reader)).status_code == 401


async def test_headers_sent_slowly_are_cut_off_by_the_running_service(
    gateway: tuple[ServiceProcess, dict[Role, str]],
) -> None:
    service, _ = gateway
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(b"GET /v1/decisions HTTP/1.1\r\nHost: gateway\r\n")
    started = time.monotonic()

    async def trickle() -> None:
        for n in range(60):
            await asyncio.sleep(0.2)
            writer.write(f"X-Slow-{n}: a\r\n".encode())
            await writer.drain()

    dripping = asyncio.create_task(trickle())
    try:
        received = await asyncio.wait_for(reader.read(), 10)
    finally:
        dripping.cancel()
        writer.close()
    assert received.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 3  # PORTCULLIS_HEADER_TIMEOUT_S=1, and a margin for a busy machine
