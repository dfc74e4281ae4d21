"""The console's pages over the analytics and watchlist services, in a real browser: an analyst follows re-screening
alerts live and acknowledges one, dry-runs a saved rule and backtests it with its progress; a manager picks a period
and a grouping and sees the chart, served by the console itself; no page reaches another origin; and no other role
reaches these pages or their form posts."""

import asyncio
import contextlib
import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from playwright.async_api import BrowserContext, Page, expect

from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.alert import Alert, AlertedEntry, AlertedRecord, alert_id
from portcullis.shared.settings import KafkaSettings
from tests.browser.conftest import Console
from tests.browser.test_console import _session, screenshot, sign_in

pytestmark = pytest.mark.integration


def _alert(subject_id: str, entry_version: int = 1) -> Alert:
    now = datetime.now(UTC)
    return Alert(
        alert_id=alert_id(Stream.DECLARATION, subject_id, "natl:blue-harbour", entry_version),
        record=AlertedRecord(stream=Stream.DECLARATION, subject_id=subject_id, received_at=now - timedelta(days=3)),
        entry=AlertedEntry(
            entry_id="natl:blue-harbour", version=entry_version, list_name="National watchlist", kind="organization"
        ),
        score=0.97,
        strong=True,
        reason="consignee matches Blue Harbour Trading LLC (National watchlist)",
        raised_at=now,
    )


async def _publish_alerts(kafka: KafkaSettings, alerts: list[Alert]) -> None:
    """Publish alerts as the re-screener does (the compacted alerts topic)."""
    publisher = Publisher(kafka)
    try:
        await publisher.publish(
            [
                Message(kafka.topic("alerts"), a.alert_id.encode(), orjson.dumps(a.model_dump(mode="json")))
                for a in alerts
            ]
        )
    finally:
        await publisher.close()


async def _open_alerts(console: Console) -> list[str]:
    async with httpx.AsyncClient(base_url=console.analytics.url) as client:
        answer = await client.get(
            "/v1/alerts", params={"status": "open"}, headers={"Authorization": f"Bearer {console.keys['analyst']}"}
        )
    return [a["record"]["subject_id"] for a in answer.json()["alerts"]]


async def test_an_analyst_follows_alerts_live_and_acknowledges_one(laptop: BrowserContext, console: Console) -> None:
    await _publish_alerts(console.kafka, [_alert("C00002")])
    for _ in range(100):
        if await _open_alerts(console) == ["C00002"]:
            break
        await asyncio.sleep(0.1)
    page = await sign_in(laptop, console.keys["analyst"])
    await page.get_by_role("link", name="Alerts").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Re-screening alerts")
    rows = page.locator("#alerts tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("C00002")
    await expect(page.locator("#alerts-live")).to_contain_text("Live updates: on")

    await _publish_alerts(console.kafka, [_alert("C00004")])  # raised while the page is open: it appears on top
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("C00004")
    await expect(page.locator("#alerts-live")).to_contain_text("1 new since the page loaded")
    await screenshot(page, "analyst-alerts")

    await page.reload()
    note = page.get_by_label("Note (required; no personal data)").last  # the older alert: C00002
    await note.fill("consignee is a namesake; documents checked")
    await note.press("Enter")
    await expect(page.get_by_role("status").first).to_have_text("The alert is acknowledged.")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("C00004")
    assert await _open_alerts(console) == ["C00004"]
    await page.get_by_label("Show").select_option("acknowledged")
    await page.get_by_role("button", name="Show").click()
    await expect(rows.first).to_contain_text("consignee is a namesake; documents checked")
    await expect(rows.first).to_contain_text(console.key_id("analyst"))
    assert laptop.outside == []  # type: ignore[attr-defined]


async def _sample(sample_declarations: list[dict[str, object]], hs6: str, number: str) -> dict[str, object]:
    declaration = orjson.loads(orjson.dumps(sample_declarations[0]))
    declaration["declaration_id"] = number
    for item in declaration["items"]:
        item["hs6_code"] = hs6
    return declaration  # type: ignore[no-any-return]


async def test_an_analyst_dry_runs_a_saved_rule_and_backtests_it(
    laptop: BrowserContext, console: Console, sample_declarations: list[dict[str, object]]
) -> None:
    page = await sign_in(laptop, console.keys["analyst"])
    await page.get_by_role("link", name="Rules and watchlist").click()
    samples = [
        await _sample(sample_declarations, "930200", "DRY-ARMS"),
        await _sample(sample_declarations, "440890", "DRY-WOOD"),
    ]
    await page.get_by_label("Rule", exact=True).select_option(label="Arms from a listed origin (declaration)")
    await page.get_by_label("Sample records").fill(orjson.dumps(samples).decode())
    await page.get_by_role("button", name="Run the rule on the samples").click()
    result = page.locator("#dry-run-result")
    await expect(result).to_contain_text("The rule matched 1 of 2 samples")
    rows = page.locator("#dry-run-samples-table tbody tr")
    await expect(rows.nth(0).locator("td")).to_have_text(["DRY-ARMS", "yes", re.compile(r"^1(, \d+)*$")])
    await expect(rows.nth(1).locator("td")).to_have_text(["DRY-WOOD", "no", ""])
    await screenshot(page, "analyst-dry-run")

    await page.get_by_label("Sample records").fill("not json")
    await page.get_by_role("button", name="Run the rule on the samples").click()
    await expect(page.locator("#form-errors")).to_contain_text("sample records: not JSON")

    today = datetime.now(UTC).date()
    for _ in range(60):  # the analytics service reads the saved rule from the watchlist's topic
        await page.get_by_label("Arms from a listed origin").check()
        await page.get_by_label("From (first day, UTC)").fill((today - timedelta(days=6)).isoformat())
        await page.get_by_label("To (last day, included)").fill(today.isoformat())
        await page.get_by_role("button", name="Start the backtest").click()
        if "/console/backtests/bt-" in page.url:
            break
        await expect(page.locator("#form-errors")).to_contain_text(re.compile("no saved rule|still reading"))
        await asyncio.sleep(0.5)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Backtest bt-")
    await expect(page.locator("#backtest-status")).to_have_text("done", timeout=30_000)  # the page reloads itself
    await expect(page.locator("#backtest-rules tbody tr td")).to_have_text(
        [re.compile("^rule-"), "Arms from a listed origin", "3"]
    )
    lanes = page.locator("#backtest-lanes tbody tr")
    await expect(lanes).to_have_count(4)
    await expect(lanes.nth(3).locator("td")).to_have_text(["red", "3", "3"])  # the three red arms declarations
    await screenshot(page, "analyst-backtest")
    assert laptop.outside == []  # type: ignore[attr-defined]


async def _chart_drawn(page: Page) -> None:
    """Wait until the page's chart image has loaded and has a width (a refused or broken chart has none)."""
    drawn = "() => { const i = document.getElementById('chart'); return i && i.complete && i.naturalWidth > 0; }"
    await page.wait_for_function(drawn, timeout=15_000)


async def test_a_manager_picks_a_period_and_grouping_and_sees_the_chart_served_by_the_console(
    laptop: BrowserContext, console: Console
) -> None:
    page = await sign_in(laptop, console.keys["manager"])
    await expect(page.locator("#lanes tbody tr")).to_have_count(4)
    await expect(page.locator("#chart")).to_have_attribute("src", re.compile(r"^/console/charts/performance\.svg\?"))
    await _chart_drawn(page)
    await screenshot(page, "manager-charts")
    await page.get_by_label("Report").select_option("time-release")
    await page.get_by_label("From (first day, UTC)").fill("2026-11-01")
    await page.get_by_label("To (last day, included)").fill("2026-11-30")
    await page.get_by_role("button", name="Show the chart").click()
    await page.get_by_label("Group by").select_option("office")
    await page.get_by_role("button", name="Show the chart").click()
    chart = page.locator("#chart")
    await expect(chart).to_have_attribute("src", re.compile(r"^/console/charts/time-release\.svg\?.*group_by=office"))
    await expect(chart).to_have_attribute("alt", "Time release by office, 2026-11-01 to 2026-11-30")
    await _chart_drawn(page)
    await page.get_by_label("To (last day, included)").fill("2026-10-01")
    await page.get_by_role("button", name="Show the chart").click()
    await expect(page.locator("#chart-errors")).to_contain_text("to: is before from")
    await expect(page.locator("#chart")).to_have_count(0)
    assert laptop.outside == []  # type: ignore[attr-defined]  # the chart came from the console, not analytics


def test_other_roles_reach_neither_the_new_pages_nor_their_form_posts(console: Console) -> None:
    alert = _alert("C00006", entry_version=9)
    asyncio.run(_publish_alerts(console.kafka, [alert]))
    acknowledge = f"/console/alerts/{alert.alert_id}/acknowledge"
    backtest = {"rule_ids": "rule-x", "from": "2026-11-01", "to": "2026-11-02"}
    dry_run = {"rule_id": "rule-x", "samples": "[]"}
    clients = {name: _session(console, name) for name in ("inspector", "supervisor", "manager", "analyst")}
    for name in ("inspector", "supervisor", "manager"):
        client, csrf = clients[name]
        for path in ("/console/alerts", "/console/alerts/live", "/console/backtests/bt-0123456789ab"):
            assert client.get(path).status_code == 403, (name, path)
        for path, body in (
            (acknowledge, {"note": "forged"}),
            ("/console/backtests", backtest),
            ("/console/watchlist/dry-run", dry_run),
        ):
            assert client.post(path, data={**body, "csrf_token": csrf}).status_code == 403, (name, path)
    for name in ("inspector", "supervisor", "analyst"):
        client, _ = clients[name]
        assert client.get("/console/charts/performance.svg").status_code == 403, name
    analyst, analyst_csrf = clients["analyst"]
    _, manager_csrf = clients["manager"]
    assert analyst.post(acknowledge, data={"note": "no token"}).status_code == 403
    assert analyst.post(acknowledge, data={"note": "their token", "csrf_token": manager_csrf}).status_code == 403
    cross_site = analyst.post(
        acknowledge, data={"note": "cross", "csrf_token": analyst_csrf}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    with httpx.Client(base_url=console.url) as anonymous:
        assert anonymous.post(acknowledge, data={"note": "anonymous"}).status_code == 403
        assert anonymous.get("/console/charts/performance.svg", follow_redirects=False).status_code == 303
    found = httpx.get(
        f"{console.analytics.url}/v1/alerts",
        params={"status": "acknowledged"},
        headers={"Authorization": f"Bearer {console.keys['analyst']}"},
    )
    assert alert.alert_id not in [a["alert_id"] for a in found.json()["alerts"]]  # none of the refused posts counted
    allowed = analyst.post(acknowledge, data={"note": "checked", "csrf_token": analyst_csrf})
    assert allowed.status_code == 303
    assert allowed.headers["location"] == "/console/alerts?done=acknowledged"
    for client, _ in clients.values():
        client.close()


def test_an_analyst_holds_at_most_five_live_alert_streams_and_a_closed_one_frees_its_place(console: Console) -> None:
    analyst, _ = _session(console, "analyst")
    with contextlib.ExitStack() as streams:
        opened = []
        for _ in range(5):
            for _ in range(50):  # a stream of an earlier test may take a moment to be noticed as closed
                answer = streams.enter_context(analyst.stream("GET", "/console/alerts/live", timeout=10))
                if answer.status_code == 200:
                    break
                time.sleep(0.1)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/event-stream")
            opened.append(answer)
        lines = opened[0].iter_lines()  # kept: a dropped line iterator would close its stream
        assert next(lines) == "retry: 2000"  # the analytics service's stream, relayed
        with analyst.stream("GET", "/console/alerts/live", timeout=10) as refused:
            assert refused.status_code == 429
        opened[0].close()
        for _ in range(50):
            with analyst.stream("GET", "/console/alerts/live", timeout=10) as again:
                if again.status_code == 200:
                    break
            time.sleep(0.1)
        assert again.status_code == 200
        del lines
    analyst.close()
