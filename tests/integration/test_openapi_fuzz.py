"""Schemathesis fuzzes every service's OpenAPI document against the running services, with valid keys.

The services run as processes on the real broker with authentication on; each operation is called with a key of a
role its grant names. Any 5xx, undocumented status code, wrong content type or body that breaks its documented
schema fails the test. The budget is bounded: a fixed number of generated examples per operation.
"""

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import one_of as strategies_one_of
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.gateway.app import GRANTS as GATEWAY_GRANTS
from portcullis.ingest.app import GRANTS as INGEST_GRANTS
from portcullis.shared.auth import OPEN_PATHS, Grant, Role, new_key
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.settings import KafkaSettings
from portcullis.watchlist.app import GRANTS as WATCHLIST_GRANTS
from tests.integration.conftest import BOOTSTRAP, publish_decisions

pytestmark = pytest.mark.integration

#: Generated examples per operation: enough to find what a fuzzer finds quickly, small enough for CI on 2 cores.
EXAMPLES_PER_OPERATION = int(os.environ.get("PORTCULLIS_FUZZ_EXAMPLES", "25"))
#: Operations whose bodies are lists of whole declarations, passengers and containers cost the generator most.
FEWER_EXAMPLES = {"POST /v1/rules/dry-run": 6}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
GRANTS: dict[str, list[Grant]] = {
    "ingest": INGEST_GRANTS,
    "gateway": GATEWAY_GRANTS,
    "watchlist": WATCHLIST_GRANTS,
    "scoring": [],
}


def _decision(subject_id: str, lane: str, decided_at: datetime) -> dict[str, object]:
    return {
        "stream": "declaration",
        "subject_id": subject_id,
        "lane": lane,
        "score": 0.42,
        "model_version": "dm-fuzz",
        "rules_version": "r1",
        "watchlist_version": "w1",
        "reasons": [{"kind": "model", "text": "score 0.42", "code": None, "weight": None}],
        "random_selection": lane == "red",
        "attributes": {"office_id": "30", "importer_id": "IMP826658"},
        "submitted_at": (decided_at - timedelta(seconds=2)).isoformat(),
        "received_at": (decided_at - timedelta(seconds=1)).isoformat(),
        "decided_at": decided_at.isoformat(),
    }


@pytest.fixture(scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory, model_registry: Path) -> AsyncIterator[dict[str, str]]:
    """The four services on fresh topics, authentication on, a few decisions stored; yields their URLs and keys."""
    kafka = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"fz{uuid.uuid4().hex[:10]}.")
    await ensure_topics(kafka)
    keys: dict[str, str] = {}
    for role in Role:
        keys[role.value], record = new_key(f"fuzz-{role.value}", role)
        await publish_key(kafka, record)
    now = datetime.now(UTC)
    await publish_decisions(
        kafka,
        [_decision(f"FZ{n:04d}", ("green", "yellow", "red")[n % 3], now - timedelta(minutes=n)) for n in range(9)],
    )
    services = ServiceSet(tmp_path_factory.mktemp("fuzz"), kafka, model_registry)
    auth = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_AUTH_REQUESTS_PER_SECOND": "10000",
        "PORTCULLIS_AUTH_BURST": "10000",
    }
    try:
        urls = {name: services.start(name, auth).url for name in ("ingest", "gateway", "watchlist", "scoring")}
        async with httpx.AsyncClient(timeout=10) as client:
            deadline = time.monotonic() + 20
            reader = {"Authorization": f"Bearer {keys['reader']}"}
            while (await client.get(f"{urls['gateway']}/v1/decisions", headers=reader)).json().get("items") == []:
                assert time.monotonic() < deadline, "the gateway did not store the seeded decisions"
                await asyncio.sleep(0.2)
        yield {**{f"url:{n}": u for n, u in urls.items()}, **{f"key:{r}": k for r, k in keys.items()}}
    finally:
        services.stop_all()


def _schema(running: dict[str, str], name: str) -> OpenApiSchema:
    schema = schemathesis.openapi.from_url(f"{running[f'url:{name}']}/openapi.json")
    assert isinstance(schema, OpenApiSchema)
    # The live stream never ends by itself; its own tests follow it (tests/integration/test_gateway_live.py).
    return schema.exclude(path="/v1/decisions/stream")  # type: ignore[return-value]


def _headers(name: str, case: schemathesis.Case, running: dict[str, str]) -> dict[str, str]:
    """A key of the first role the operation's grant names (none on the open routes)."""
    if case.path in OPEN_PATHS:
        return {}
    method = case.method.upper()
    grant = next(g for g in GRANTS[name] if case.path.startswith(g.prefix) and method in g.methods)
    return {"Authorization": f"Bearer {running[f'key:{sorted(grant.roles)[0].value}']}"}


def _fuzz(running: dict[str, str], name: str) -> int:
    """Run every operation's documented examples, then positive and negative generated cases; fail on any finding."""
    schema = _schema(running, name)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        examples = schema.get_strategies_from_examples(operation)
        strategies = [
            *([strategies_one_of(examples)] if examples else []),  # the documented examples are sent too
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        for strategy in strategies:

            @settings(max_examples=FEWER_EXAMPLES.get(operation.label, EXAMPLES_PER_OPERATION), **FUZZ_SETTINGS)
            @given(case=strategy)
            def call(case: schemathesis.Case) -> None:
                # The key replaces any Authorization header the generator made (keys are tested on their own).
                case.headers = {**(case.headers or {}), **_headers(name, case, running)}
                response = case.call_and_validate(checks=CHECKS, timeout=30)
                # The key of the operation's role is accepted: the checks above saw the operation, not the door.
                assert response.status_code not in (401, 403, 429), (case.method, case.path, response.text)

            try:
                call()
            except Unsatisfiable:
                pass  # nothing to negate: the operation takes no parameters and no body
            except (Exception, BaseExceptionGroup) as error:  # every operation's findings are reported, not the first
                failures.append(f"{operation.label}: {error}")
    assert operations > 0
    assert not failures, "\n\n".join(failures)
    return operations


FUZZ_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
}


def test_ingest_api(running: dict[str, str]) -> None:
    assert _fuzz(running, "ingest") >= 3 + 3  # three submission routes, health, readiness, metrics


def test_gateway_api(running: dict[str, str]) -> None:
    assert _fuzz(running, "gateway") >= 8


def test_watchlist_api(running: dict[str, str]) -> None:
    assert _fuzz(running, "watchlist") >= 14


def test_scoring_api(running: dict[str, str]) -> None:
    assert _fuzz(running, "scoring") == 3  # health, readiness and metrics only
