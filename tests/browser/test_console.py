"""The console in a real browser: each role's pages and only those, the inspector's queue and outcome form, a
supervisor's override, the analyst's search and rules, the managers' page, live updates, and refused form posts."""

import re

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from portcullis.shared.schemas import Lane, Stream
from tests.browser.conftest import INSPECTOR_OFFICE, SCREENSHOTS, Console, decision
from tests.integration.conftest import publish_decisions, wait_for

pytestmark = pytest.mark.integration

#: Each signing-in role, the page it lands on, its heading there, and pages of other roles it must not reach.
ROLES = {
    "inspector": (
        "/console/queue",
        "Inspection queue",
        ["/console/overrides", "/console/search", "/console/watchlist", "/console/performance", "/console/alerts"],
    ),
    "supervisor": (
        "/console/overrides",
        "Overrides",
        ["/console/watchlist", "/console/performance", "/console/alerts", "/console/charts/performance.svg"],
    ),
    "analyst": (
        "/console/search",
        "Decisions",
        ["/console/queue", "/console/overrides", "/console/performance", "/console/charts/performance.svg"],
    ),
    "manager": (
        "/console/performance",
        "Performance",
        ["/console/queue", "/console/overrides", "/console/search", "/console/watchlist", "/console/alerts"],
    ),
}


async def sign_in(context: BrowserContext, key: str) -> Page:
    """Sign in with the keyboard only: the key field has the focus, Enter submits."""
    page = await context.new_page()
    await page.goto("/console/")
    await expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    await page.keyboard.type(key)
    await page.keyboard.press("Enter")
    return page


async def read_api(console: Console, path: str) -> httpx.Response:
    """GET a gateway API path with the (reader) key of the managers."""
    async with httpx.AsyncClient(base_url=console.url) as client:
        return await client.get(path, headers={"Authorization": f"Bearer {console.keys['manager']}"})


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def test_each_role_lands_on_its_pages_and_is_refused_the_others(laptop: BrowserContext, console: Console) -> None:
    for name, (home, heading, others) in ROLES.items():
        page = await sign_in(laptop, console.keys[name])
        await expect(page).to_have_url(re.compile(re.escape(home) + "$"))
        await expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        for other in others:
            answer = await page.goto(other)
            assert answer is not None
            assert answer.status == 403, (name, other)
            await expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
        await page.goto(home)
        await page.get_by_role("button", name="Sign out").click()
        await expect(page).to_have_url(re.compile(r"/console/sign-in$"))
        assert (await page.goto(home)) is not None
        await expect(page).to_have_url(re.compile(r"/console/sign-in$"))  # signed out: back to the sign-in page
        await page.close()
    for name, message in (
        ("submitter", "Keys of role submitter have no console pages."),
        ("admin", "Keys of role admin have no console pages."),
    ):
        page = await sign_in(laptop, console.keys[name])
        await expect(page.get_by_role("alert")).to_have_text(message)
        await page.close()
    page = await sign_in(laptop, console.keys["analyst"][:-2] + "xx")
    await expect(page.get_by_role("alert")).to_have_text("That API key is not valid (or was revoked).")
    await screenshot(page, "sign-in")
    assert laptop.outside == []  # type: ignore[attr-defined]


async def test_an_inspector_works_the_queue_of_their_office_and_records_an_outcome(
    laptop: BrowserContext, console: Console
) -> None:
    page = await sign_in(laptop, console.keys["inspector"])
    rows = page.locator("#queue tbody tr")
    # Office 30's red and yellow decisions without an outcome, the oldest first (C00000 is green, office 31 not hers).
    await expect(rows.locator("td:first-child a")).to_have_text(["C00001", "C00003", "C00005", "C00007"])
    await expect(rows.nth(1)).to_contain_text("HS 9302 (arms) from a listed origin")
    await expect(page.locator("#live-status")).to_have_text("Live updates: on")

    # A new red decision of another office is stored but not shown; one of hers appears at the end while the page
    # is open (stored after the other, so streamed after it).
    await publish_decisions(console.kafka, [decision(31, Lane.RED, "32").model_dump(mode="json")])

    async def stored_other_office() -> bool:
        return (await read_api(console, "/v1/decisions/C00031")).status_code == 200

    await wait_for(stored_other_office, timeout_s=15)
    await publish_decisions(console.kafka, [decision(30, Lane.RED, INSPECTOR_OFFICE).model_dump(mode="json")])
    await expect(rows.last).to_contain_text("C00030", timeout=15_000)
    await expect(page.locator("#queue")).not_to_contain_text("C00031")
    await expect(page.locator("#live-status")).to_have_text("Live updates: on, 1 new since the page loaded")
    await screenshot(page, "inspector-queue")

    await rows.first.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("C00001")
    await expect(page.get_by_role("heading", name="Override the lane")).to_have_count(0)  # not for inspectors
    await page.get_by_label("Result").select_option("yes")
    await page.get_by_label("Severity").select_option("major")
    await page.get_by_label("Revenue recovered").fill("1250000")
    await page.get_by_label("Currency (ISO code, when revenue)").fill("KRW")
    await page.get_by_label("Officer id").fill("OFF-1042")
    await page.get_by_label("Notes").fill("declared value 60% below the invoice")
    await screenshot(page, "inspector-outcome-form")
    await page.get_by_role("button", name="Record outcome").click()
    await expect(page.get_by_role("status").first).to_have_text("The outcome is recorded.")
    await expect(page.locator("#outcome-summary")).to_contain_text("Irregularity found (major)")

    # Stored and visible through the API as well; and the subject left the queue.
    answer = await read_api(console, "/v1/decisions/C00001/outcome")
    assert answer.status_code == 200
    assert answer.json()["officer_id"] == "OFF-1042"
    await page.get_by_role("link", name="Inspection queue").click()
    await expect(rows.locator("td:first-child a")).to_have_text(["C00003", "C00005", "C00007", "C00030"])

    # A report the outcome model refuses is shown with the field's reason, not stored.
    await rows.first.get_by_role("link").click()
    await page.get_by_label("Revenue recovered").fill("100")
    await page.get_by_label("Officer id").fill("OFF-1042")
    await page.get_by_role("button", name="Record outcome").click()
    await expect(page.locator("#form-errors")).to_contain_text(
        "revenue_recovered: revenue can only be recovered when an irregularity was found"
    )
    await expect(page.get_by_label("Revenue recovered")).to_have_value("100")  # what was typed stays
    await expect(page.locator("#outcome-summary")).to_have_count(0)
    assert laptop.outside == []  # type: ignore[attr-defined]


async def test_a_supervisor_overrides_a_lane_with_a_reason(laptop: BrowserContext, console: Console) -> None:
    page = await sign_in(laptop, console.keys["supervisor"])
    await page.get_by_label("Find a decision to override").fill("C00004")
    await page.get_by_role("button", name="Open").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("C00004")
    await expect(page.get_by_role("heading", name="Record the outcome")).to_have_count(0)  # not for supervisors

    await page.get_by_label("New lane").select_option("red")
    await page.get_by_label(re.compile("^Reason")).fill("   ")
    await page.get_by_role("button", name="Override").click()
    await expect(page.locator("#form-errors")).to_contain_text("give a reason")

    await page.get_by_label("New lane").select_option("red")
    await page.get_by_label(re.compile("^Reason")).fill("the vessel called at a port under embargo")
    await screenshot(page, "supervisor-override")
    await page.get_by_role("button", name="Override").click()
    await expect(page.get_by_role("status").first).to_have_text("The lane is overridden.")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("red")
    history = page.locator("ol.history li")
    await expect(history).to_have_count(2)
    await expect(history.nth(1)).to_contain_text("the vessel called at a port under embargo")

    decision_now = (await read_api(console, "/v1/decisions/C00004")).json()
    assert decision_now["lane"] == "red"
    assert decision_now["override"]["key_id"] == console.key_id("supervisor")

    await page.get_by_role("link", name="Overrides").click()
    await expect(page.locator("#overrides tbody tr").first).to_contain_text("C00004")
    await screenshot(page, "supervisor-overrides")
    assert laptop.outside == []  # type: ignore[attr-defined]


def _contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two computed CSS colours (`rgb(r, g, b)`)."""

    def luminance(colour: str) -> float:
        channels = [int(part) / 255 for part in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


async def test_a_blue_decision_shows_in_its_own_readable_colour_and_a_passenger_cannot_be_sent_to_blue(
    laptop: BrowserContext, console: Console
) -> None:
    page = await sign_in(laptop, console.keys["supervisor"])
    await page.get_by_label("Find a decision to override").fill("C00008")
    await page.get_by_role("button", name="Open").click()
    badge = page.get_by_role("heading", level=1).locator(".lane-blue")
    await expect(badge).to_have_text("blue")
    colour, background = await badge.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert _contrast(colour, background) >= 4.5  # WCAG AA for text
    await expect(page.get_by_label("New lane").locator("option")).to_have_text(["green", "yellow", "red"])

    # A passenger record has no blue lane: not offered, and refused when posted anyway.
    await publish_decisions(console.kafka, [decision(9, Lane.YELLOW, "32", Stream.PASSENGER).model_dump(mode="json")])

    async def stored_passenger() -> bool:
        return (await read_api(console, "/v1/decisions/C00009?stream=passenger")).status_code == 200

    await wait_for(stored_passenger, timeout_s=15)
    await page.goto("/console/decisions/passenger/C00009")
    await expect(page.get_by_label("New lane").locator("option")).to_have_text(["green", "red"])
    await page.locator("#lane").evaluate("select => select.add(new Option('blue', 'blue'))")
    await page.get_by_label("New lane").select_option("blue")
    await page.get_by_label(re.compile("^Reason")).fill("audit after clearance")
    await page.get_by_role("button", name="Override").click()
    await expect(page.get_by_role("alert")).to_have_text("This stream has no such lane.")
    kept = (await read_api(console, "/v1/decisions/C00009?stream=passenger")).json()
    assert (kept["lane"], kept["version"]) == ("yellow", 1)
    assert laptop.outside == []  # type: ignore[attr-defined]


async def test_an_analyst_searches_decisions_reads_rules_and_entries_and_is_told_when_the_watchlist_is_down(
    laptop: BrowserContext, console: Console
) -> None:
    page = await sign_in(laptop, console.keys["analyst"])
    await page.get_by_label("Lane").select_option("green")
    await page.get_by_role("button", name="Search").click()
    subjects = page.locator("#results tbody tr td:first-child a")
    await expect(subjects).to_have_text(["C00006", "C00000"])  # the newest first
    await page.get_by_label("Lane").select_option("")
    await page.get_by_label("Office").fill("31")
    await page.get_by_role("button", name="Search").click()
    await expect(subjects).to_have_text(["C00006", "C00004", "C00002"])
    await screenshot(page, "analyst-search")
    await subjects.first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("C00006")
    await expect(page.locator("form[action$='/override']")).to_have_count(0)
    await expect(page.locator("form[action$='/outcome']")).to_have_count(0)

    await page.get_by_role("link", name="Rules and watchlist").click()
    await expect(page.locator("#rules tbody tr")).to_have_count(1)
    await expect(page.locator("#rules")).to_contain_text("Arms from a listed origin")
    await expect(page.locator("#entries")).to_contain_text("Blue Harbour Trading LLC")
    await expect(page.locator("#watchlist-error")).to_have_count(0)
    await screenshot(page, "analyst-watchlist")

    console.watchlist.stop()  # the service goes away: the page says so instead of failing
    await page.reload()
    await expect(page.locator("#watchlist-error")).to_contain_text("cannot be reached")
    assert laptop.outside == []  # type: ignore[attr-defined]


async def test_managers_see_the_lane_mix_and_the_charts_form(laptop: BrowserContext, console: Console) -> None:
    page = await sign_in(laptop, console.keys["manager"])
    await expect(page.locator("#lanes tbody tr")).to_have_count(4)
    await expect(page.locator("#lanes tbody tr").nth(1)).to_contain_text("blue")
    await expect(page.get_by_label("Report")).to_have_value("performance")
    await screenshot(page, "manager-performance")
    assert laptop.outside == []  # type: ignore[attr-defined]


async def test_the_queue_fits_a_tablet(browser, console: Console) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 768, "height": 1024}, base_url=console.url, has_touch=True)
    try:
        page = await sign_in(context, console.keys["inspector"])
        await expect(page.locator("#queue")).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 768  # nothing sticks out sideways: the page itself does not scroll horizontally
        await expect(page.get_by_role("link", name="Inspection queue")).to_be_visible()
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        await screenshot(page, "tablet-queue")
    finally:
        await context.close()


def _session(console: Console, name: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in with a fixture key, and its session's CSRF token (read from a page's form)."""
    client = httpx.Client(base_url=console.url, follow_redirects=False)
    form = client.get("/console/sign-in")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/console/sign-in", data={"sign_in_token": token.group(1), "api_key": console.keys[name]})
    assert answer.status_code == 303, answer.text
    page = client.get("/console/")
    page = client.get(page.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return client, csrf.group(1)


def test_form_posts_need_a_session_of_the_right_role_and_its_csrf_token(console: Console) -> None:
    override = "/console/decisions/declaration/C00002/override"
    outcome = "/console/decisions/declaration/C00002/outcome"
    body = {"lane": "green", "reason": "forged"}
    with httpx.Client(base_url=console.url) as anonymous:
        assert anonymous.post(override, data=body).status_code == 403
        sign_in_without_its_cookie = anonymous.post("/console/sign-in", data={"sign_in_token": "x", "api_key": "y"})
        assert sign_in_without_its_cookie.status_code == 403
    inspector, inspector_csrf = _session(console, "inspector")
    assert inspector.post(override, data={**body, "csrf_token": inspector_csrf}).status_code == 403
    supervisor, supervisor_csrf = _session(console, "supervisor")
    report = {"inspected": "yes", "irregularity_found": "no", "officer_id": "OFF-1", "inspected_at": "2026-01-01T10:00"}
    assert supervisor.post(outcome, data={**report, "csrf_token": supervisor_csrf}).status_code == 403
    assert supervisor.post(override, data=body).status_code == 403
    assert supervisor.post(override, data={**body, "csrf_token": inspector_csrf}).status_code == 403
    cross_site = supervisor.post(
        override, data={**body, "csrf_token": supervisor_csrf}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    manager = httpx.Client(base_url=console.url)
    current = manager.get("/v1/decisions/C00002", headers={"Authorization": f"Bearer {console.keys['manager']}"})
    assert current.json()["lane"] == "red"  # none of the refused posts changed anything
    assert current.json()["version"] == 1
    allowed = supervisor.post(override, data={**body, "csrf_token": supervisor_csrf, "reason": "release after audit"})
    assert allowed.status_code == 303
    for client in (inspector, supervisor, manager):
        client.close()


def test_the_session_cookie_is_http_only_and_same_site_strict(console: Console) -> None:
    with httpx.Client(base_url=console.url) as client:
        form = client.get("/console/sign-in")
        token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/console/sign-in", data={"sign_in_token": token.group(1), "api_key": console.keys["analyst"]}
        )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("portcullis_console="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS (or PORTCULLIS_GATEWAY_CONSOLE_SECURE_COOKIE) it is
    assert "Content-Security-Policy" in form.headers


def test_a_key_created_with_an_office_signs_in_and_its_revocation_ends_its_console_session(console: Console) -> None:
    admin = {"Authorization": f"Bearer {console.keys['admin']}"}
    created = httpx.post(
        f"{console.url}/v1/keys",
        json={"name": "inspection-tablet-31", "role": "inspector", "office_id": "31"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["record"]["office_id"] == "31"
    client = httpx.Client(base_url=console.url)
    form = client.get("/console/sign-in")
    token = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert token is not None
    client.post("/console/sign-in", data={"sign_in_token": token.group(1), "api_key": created.json()["key"]})
    queue = client.get("/console/queue")
    assert queue.status_code == 200
    assert "Inspection queue · office 31" in queue.text
    listed = re.findall(r">(C\d{5})</a>", queue.text)
    assert "C00004" in listed  # office 31's selected decisions only (C00002 too until another test releases it)
    assert set(listed) <= {"C00002", "C00004"}

    key_id = created.json()["record"]["key_id"]
    assert httpx.delete(f"{console.url}/v1/keys/{key_id}", headers=admin).status_code == 204
    after = client.get("/console/queue")
    assert after.status_code == 303
    assert after.headers["location"] == "/console/sign-in"
    client.close()
