"""The analysts' review page in a real browser, on the real pipeline (auth on): a traveller's possible match posted
through ingest and scored by the real scoring reaches the page; the analyst dismisses it with a reason, and the same
traveller posted again does not bring it back. Readers and inspectors cannot reach the page or post its forms."""

import asyncio
import copy
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, BrowserContext, expect

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.settings import KafkaSettings
from tests.browser.test_console import screenshot, sign_in
from tests.integration.conftest import BOOTSTRAP, wait_for

pytestmark = pytest.mark.integration

PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
#: Listed by name alone: a near spelling of it is a possible match (no date of birth to corroborate it).
ENTRY = {
    "type": "entry",
    "id": "wl-bout",
    "version": 1,
    "changed_by": "analyst",
    "changed_at": "2026-01-01T00:00:00Z",
    "entry": {
        "kind": "person",
        "list_name": "National watchlist",
        "reason": "wanted for arms trafficking",
        "name": "Viktor Anatolyevich BOUT",
        "action": {"lane": "red"},
    },
}


@dataclass
class Pipeline:
    """Ingest, scoring and the gateway on topics of their own, and keys per role."""

    gateway: ServiceProcess
    ingest: ServiceProcess
    keys: dict[str, str]


async def _prepare(kafka: KafkaSettings) -> dict[str, str]:
    await ensure_topics(kafka)
    keys: dict[str, str] = {}
    for name, role in (
        ("analyst", Role.ANALYST),
        ("manager", Role.READER),
        ("inspector", Role.INSPECTOR),
        ("submitter", Role.SUBMITTER),
    ):
        keys[name], record = new_key(f"browser-{name}", role)
        await publish_key(kafka, record)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(kafka.topic("watchlist"), orjson.dumps(ENTRY), key=b"entry:wl-bout")
    finally:
        await producer.stop()
    return keys


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, model_registry: Path) -> Iterator[Pipeline]:
    kafka = KafkaSettings(bootstrap_servers=BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}.")
    keys = asyncio.run(_prepare(kafka))
    services = ServiceSet(tmp_path_factory.mktemp("reviews"), kafka, model_registry)
    auth_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    try:
        gateway = services.start("gateway", auth_on)
        services.start("scoring", {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
        ingest = services.start("ingest", auth_on)
        yield Pipeline(gateway, ingest, keys)
    finally:
        services.stop_all()


async def post_traveller(pipeline: Pipeline, record_id: str, document_number: str | None = None) -> dict[str, Any]:
    """A traveller named close to the listed one (the example's document, or another number) through ingest; the
    stored decision."""
    document = copy.deepcopy(PASSENGER)
    document.update(record_id=record_id, surname="Butt", given_names="Victor Anatolyevich")
    if document_number is not None:
        document["document"] = {**document["document"], "number": document_number}
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{pipeline.ingest.url}/v1/passengers",
            json=document,
            headers={"Authorization": f"Bearer {pipeline.keys['submitter']}"},
        )
        assert answer.status_code == 202, answer.text

        async def stored() -> bool:
            response = await http.get(
                f"{pipeline.gateway.url}/v1/decisions/{record_id}?stream=passenger",
                headers={"Authorization": f"Bearer {pipeline.keys['manager']}"},
            )
            found.update(response.json() if response.status_code == 200 else {})
            return response.status_code == 200

        await wait_for(stored, timeout_s=60, interval_s=0.2)
    return found


@pytest.fixture
async def reviews_laptop(browser: Browser, pipeline: Pipeline) -> AsyncIterator[BrowserContext]:
    """A laptop-sized window on this module's gateway."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, base_url=pipeline.gateway.url)
    try:
        yield context
    finally:
        await context.close()


async def test_an_analyst_dismisses_a_possible_match_and_it_does_not_come_back(
    reviews_laptop: BrowserContext, pipeline: Pipeline
) -> None:
    first = await post_traveller(pipeline, "BR1")
    assert first["review"]["possible_matches"][0]["entry_id"] == "wl-bout"

    page = await sign_in(reviews_laptop, pipeline.keys["analyst"])
    await page.get_by_role("link", name="Review queue").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Review queue")
    row = page.locator("#reviews tbody tr", has_text="BR1")
    await expect(row).to_contain_text("wl-bout v1")
    await expect(row).to_contain_text("National watchlist")
    await screenshot(page, "analyst-reviews")
    # The reason is required: the browser refuses an empty one, the server a blank one.
    await row.get_by_label("Reason to dismiss").fill("   ")
    await row.get_by_role("button", name="Dismiss").click()
    await expect(page.get_by_role("alert")).to_contain_text("reason")
    row = page.locator("#reviews tbody tr", has_text="BR1")
    await row.get_by_label("Reason to dismiss").fill("another person: the passport's date of birth is 1990-04-02")
    await row.get_by_role("button", name="Dismiss").click()
    await expect(page.get_by_role("status")).to_contain_text("dismissed")
    await expect(page.locator("#reviews tbody tr", has_text="BR1")).to_have_count(0)

    # The same traveller again, through ingest and the real scoring: no possible match, nothing to review.
    again = await post_traveller(pipeline, "BR2")
    assert "review" not in again
    await page.reload()
    await expect(page.locator("#reviews tbody tr.empty")).to_have_count(1)


async def test_readers_and_inspectors_cannot_reach_the_review_page_or_post_its_forms(
    browser: Browser, pipeline: Pipeline
) -> None:
    # Another traveller of that name (another document): the first test's dismissal is not theirs.
    third = await post_traveller(pipeline, "BR3", document_number="X7654321")
    assert third["review"]["possible_matches"][0]["entry_id"] == "wl-bout"
    async with httpx.AsyncClient(base_url=pipeline.gateway.url) as http:
        queue = await http.get("/v1/reviews", headers={"Authorization": f"Bearer {pipeline.keys['analyst']}"})
    [item] = [r for r in queue.json() if r["subject_id"] == "BR3"]
    for name in ("manager", "inspector"):
        context = await browser.new_context(base_url=pipeline.gateway.url)  # a browser of their own: no other session
        page = await sign_in(context, pipeline.keys[name])
        await page.wait_for_url(re.compile(r"/console/(performance|queue)$"))
        await expect(page.get_by_role("link", name="Review queue")).to_have_count(0)
        answer = await page.goto("/console/reviews")
        assert answer is not None
        assert answer.status == 403
        # A direct form post with this role's own session and CSRF token is refused too.
        client, csrf = _session(pipeline, name)
        posted = client.post(f"/console/reviews/{item['id']}/dismiss", data={"reason": "forged", "csrf_token": csrf})
        assert posted.status_code == 403
        client.close()
        await context.close()
    async with httpx.AsyncClient(base_url=pipeline.gateway.url) as http:
        still = await http.get("/v1/reviews", headers={"Authorization": f"Bearer {pipeline.keys['analyst']}"})
    assert [r["status"] for r in still.json() if r["id"] == item["id"]] == ["pending"]


def _session(pipeline: Pipeline, name: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in to the console with a key, and its session's CSRF token (read from its first page)."""
    client = httpx.Client(base_url=pipeline.gateway.url, follow_redirects=False)
    form = client.get("/console/sign-in")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/console/sign-in", data={"sign_in_token": token.group(1), "api_key": pipeline.keys[name]})
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return client, csrf.group(1)
