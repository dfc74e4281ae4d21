"""Browser tests of the console: Debian's chromium driven by Playwright, against a gateway process with auth on.

One gateway (on its own topics, with its own SQLite store) serves every test of a module; keys of each role and a set
of decisions are published before it starts. Playwright only drives the system chromium (never `playwright install`).
"""

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher, ensure_topics
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import BOOTSTRAP, publish_decisions

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("PORTCULLIS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
#: Decisions of the fixture start here; each one a minute after the one before (so the queue's order is known).
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
INSPECTOR_OFFICE = "30"


def decision(index: int, lane: Lane, office: str, stream: Stream = Stream.DECLARATION) -> Decision:
    """A decision as scoring publishes it, `index` minutes after T0."""
    decided = T0 + timedelta(minutes=index)
    reasons = [Reason(kind=ReasonKind.MODEL, text=f"risk score 0.{index:02d} above the threshold", code="score")]
    if lane is Lane.RED:
        reasons.append(Reason(kind=ReasonKind.RULE, text="HS 9302 (arms) from a listed origin", code="R-ARMS"))
    return Decision(
        stream=stream,
        subject_id=f"C{index:05d}",
        lane=lane,
        score=round(0.1 + index / 100, 2),
        model_version="dm-test",
        rules_version="r1",
        watchlist_version="w1",
        reasons=reasons,
        attributes={"office_id": office, "importer_id": f"IMP{index % 3}"},
        submitted_at=decided - timedelta(seconds=5),
        received_at=decided - timedelta(seconds=1),
        decided_at=decided,
        content_digest=f"{index:064d}",
    )


#: The stored decisions: office 30 has red and yellow ones (the inspector's queue), offices 31 and 32 others.
DECISIONS = [
    decision(0, Lane.GREEN, "30"),
    decision(1, Lane.YELLOW, "30"),
    decision(2, Lane.RED, "31"),
    decision(3, Lane.RED, "30"),
    decision(4, Lane.YELLOW, "31"),
    decision(5, Lane.YELLOW, "30"),
    decision(6, Lane.GREEN, "31"),
    decision(7, Lane.RED, "30"),
    decision(8, Lane.BLUE, "32"),  # released for post-clearance audit: in no inspector's queue
]


@dataclass
class Console:
    """A running gateway with its console, the watchlist and analytics services, the keys per role and Kafka."""

    url: str
    keys: dict[str, str]
    kafka: KafkaSettings
    gateway: ServiceProcess
    watchlist: ServiceProcess
    analytics: ServiceProcess

    def key_id(self, name: str) -> str:
        """The key id of a fixture key."""
        return self.keys[name].split("_")[1]


def _declarations(samples: list[dict[str, object]]) -> list[dict[str, object]]:
    """The fixture's declarations as ingest publishes them: red ones carry arms (HS 9302), the others wood."""
    found = []
    for index, stored in enumerate(DECISIONS):
        declaration = orjson.loads(orjson.dumps(samples[index]))
        declaration["declaration_id"] = stored.subject_id
        declaration["office_id"] = stored.attributes["office_id"]
        for item in declaration["items"]:
            item["hs6_code"] = "930200" if stored.lane is Lane.RED else "440890"
        found.append(declaration)
    return found


async def _publish_declarations(kafka: KafkaSettings, declarations: list[dict[str, object]]) -> None:
    publisher = Publisher(kafka)
    try:
        topic = kafka.topic("declarations")
        await publisher.publish(
            [Message(topic, str(d["declaration_id"]).encode(), orjson.dumps(d)) for d in declarations]
        )
    finally:
        await publisher.close()


async def _prepare(kafka: KafkaSettings, declarations: list[dict[str, object]]) -> dict[str, str]:
    await ensure_topics(kafka)
    keys: dict[str, str] = {}
    for name, role, office in [
        ("inspector", Role.INSPECTOR, INSPECTOR_OFFICE),
        ("supervisor", Role.SUPERVISOR, None),
        ("analyst", Role.ANALYST, None),
        ("manager", Role.READER, None),
        ("submitter", Role.SUBMITTER, None),
        ("admin", Role.ADMIN, None),
    ]:
        keys[name], record = new_key(f"browser-{name}", role, office)
        await publish_key(kafka, record)
    await publish_decisions(kafka, [d.model_dump(mode="json") for d in DECISIONS])
    await _publish_declarations(kafka, declarations)  # for the analytics service's history (backtests)
    return keys


#: What the analysts' page shows from the watchlist service.
RULE = {
    "name": "Arms from a listed origin",
    "reason": "HS 9302 from origins under embargo",
    "condition": {"field": "hs6_code", "op": "prefix", "value": "9302"},
    "action": {"lane": "red"},
}
ENTRY = {
    "kind": "organization",
    "name": "Blue Harbour Trading LLC",
    "countries": ["PA"],
    "list_name": "National watchlist",
    "reason": "front company for restricted goods",
    "action": {"lane": "yellow"},
}


def _watchlist_documents(url: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}", "X-Portcullis-User": "analyst.browser-tests"}
    for path, body in (("/v1/rules", RULE), ("/v1/watchlist/entries", ENTRY)):
        answer = httpx.post(f"{url}{path}", json=body, headers=headers)
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def console(
    tmp_path_factory: pytest.TempPathFactory, sample_declarations: list[dict[str, object]]
) -> Iterator[Console]:
    """A gateway, the watchlist and the analytics services with auth on, the gateway's decisions stored, one rule
    and one entry."""
    kafka = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    keys = asyncio.run(_prepare(kafka, _declarations(sample_declarations)))
    folder = tmp_path_factory.mktemp("console")
    services = ServiceSet(folder, kafka, folder / "no-models")
    watchlist = services.start("watchlist", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    analytics = services.start(
        "analytics", {"PORTCULLIS_AUTH_REQUIRED": "true", "PORTCULLIS_ANALYTICS_RESCREEN_HEARTBEAT_S": "1"}
    )
    gateway = services.start(
        "gateway",
        {
            "PORTCULLIS_AUTH_REQUIRED": "true",
            "PORTCULLIS_GATEWAY_WATCHLIST_URL": watchlist.url,
            "PORTCULLIS_GATEWAY_ANALYTICS_URL": analytics.url,
            "PORTCULLIS_GATEWAY_LIVE_POLL_S": "0.1",
        },
    )
    try:
        _wait_stored(gateway.url, keys["manager"], len(DECISIONS))
        _watchlist_documents(watchlist.url, keys["analyst"])
        yield Console(gateway.url, keys, kafka, gateway, watchlist, analytics)
    finally:
        services.stop_all()


def _wait_stored(url: str, key: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/v1/decisions", params={"limit": 100}, headers={"Authorization": f"Bearer {key}"})
        if answer.status_code == 200 and len(answer.json()["items"]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError("the gateway did not store the fixture's decisions")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def laptop(browser: Browser, console: Console) -> AsyncIterator[BrowserContext]:
    """A laptop-sized browser window that records every request it makes that leaves the gateway."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, base_url=console.url)
    context.outside = []  # type: ignore[attr-defined]
    context.on(
        "request",
        lambda request: None if request.url.startswith(console.url) else context.outside.append(request.url),  # type: ignore[attr-defined]
    )
    try:
        yield context
    finally:
        await context.close()
