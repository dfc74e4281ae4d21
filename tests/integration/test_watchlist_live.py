"""Watchlists and rules changed through the API reach scoring live: the next declaration is decided with them."""

import copy
from typing import Any

import httpx
import pytest

from portcullis.cli.processes import ServiceProcess, ServiceSet
from tests.integration.conftest import live_changes_applied, until_scoring_applies, wait_for
from tests.integration.test_ingest import README_EXAMPLE

pytestmark = pytest.mark.integration

USER = {"X-Portcullis-User": "analyst.live"}


def declaration(declaration_id: str, **items: Any) -> dict[str, Any]:
    document = copy.deepcopy(README_EXAMPLE)
    document["declaration_id"] = declaration_id
    document["importer_id"] = "IMPLIVE01"
    document["items"][0].update(items)
    return document


async def decide(
    http: httpx.AsyncClient, ingest: ServiceProcess, gateway: ServiceProcess, document: dict[str, Any]
) -> dict[str, Any]:
    """Submit a declaration and wait for its stored decision."""
    assert (await http.post(f"{ingest.url}/v1/declarations", json=document)).status_code == 202

    async def stored() -> dict[str, Any] | None:
        response = await http.get(f"{gateway.url}/v1/decisions/{document['declaration_id']}")
        return response.json() if response.status_code == 200 else None

    # A deadline only bounds a failure: the first decisions of freshly started services on a loaded machine take more
    # than the 5 s this once allowed.
    return await wait_for(stored, timeout_s=30, interval_s=0.02)  # type: ignore[no-any-return]


def reasons_of(decision: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [reason for reason in decision["reasons"] if reason["kind"] == kind]


System = tuple[ServiceProcess, ServiceProcess, ServiceProcess, ServiceProcess]


@pytest.fixture
def system(services: ServiceSet) -> System:
    watchlist = services.start("watchlist")
    gateway = services.start("gateway")
    scoring = services.start("scoring", {"PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
    ingest = services.start("ingest")
    return watchlist, gateway, ingest, scoring


async def test_an_importer_listed_through_the_api_is_scored_red_live_and_unlisted_again(
    system: System, http: httpx.AsyncClient
) -> None:
    watchlist, gateway, ingest, scoring = system
    before = await decide(http, ingest, gateway, declaration("LIVE-WL-1"))
    assert reasons_of(before, "watchlist") == []
    applied_before = await live_changes_applied(http, scoring.url)

    listed = await http.post(
        f"{watchlist.url}/v1/watchlist/entries",
        json={
            "kind": "trader",
            "role": "importer",
            "trader_id": "IMPLIVE01",
            "list_name": "National enforcement list",
            "reason": "importer under investigation for undervaluation",
            "action": {"lane": "red"},
        },
        headers=USER,
    )
    assert listed.status_code == 201, listed.text
    applied_in = await until_scoring_applies(http, scoring.url, applied_before)
    after = await decide(http, ingest, gateway, declaration("LIVE-WL-2"))
    entry_id = listed.json()["id"]
    assert after["lane"] == "red"
    [reason] = reasons_of(after, "watchlist")
    assert reason["code"] == entry_id
    assert "National enforcement list" in reason["text"]
    assert "undervaluation" in reason["text"]
    assert reason["weight"] == 1.0
    assert after["watchlist_version"] != before["watchlist_version"]
    print(f"listing applied by scoring {applied_in * 1000:.0f} ms after the API's answer")

    # A soft-deleted entry stops matching, just as live.
    applied_before = await live_changes_applied(http, scoring.url)
    assert (await http.delete(f"{watchlist.url}/v1/watchlist/entries/{entry_id}", headers=USER)).status_code == 200
    await until_scoring_applies(http, scoring.url, applied_before)
    unlisted = await decide(http, ingest, gateway, declaration("LIVE-WL-3"))
    assert reasons_of(unlisted, "watchlist") == []
    assert unlisted["lane"] == before["lane"]


async def test_a_rule_created_through_the_api_forces_red_live_with_its_reason(
    system: System, http: httpx.AsyncClient
) -> None:
    watchlist, gateway, ingest, scoring = system
    firearms_from_iran = {"hs6_code": "930200", "origin_country": "IR", "departure_country": "AE"}
    before = await decide(http, ingest, gateway, declaration("LIVE-RULE-1", **firearms_from_iran))
    assert reasons_of(before, "rule") == []
    applied_before = await live_changes_applied(http, scoring.url)

    created = await http.put(
        f"{watchlist.url}/v1/rules/R-ARMS-93",
        json={
            "name": "Arms from embargoed origins",
            "reason": "Arms and ammunition (HS chapter 93) from an embargoed origin: physical examination",
            "action": {"lane": "red"},
            "condition": {
                "all": [
                    {"field": "hs6_code", "op": "prefix", "value": "93"},
                    {"field": "origin_country", "op": "in", "value": ["IR", "KP", "SY"]},
                ]
            },
        },
        headers=USER,
    )
    assert created.status_code == 201, created.text
    applied_in = await until_scoring_applies(http, scoring.url, applied_before)
    after = await decide(http, ingest, gateway, declaration("LIVE-RULE-2", **firearms_from_iran))
    assert after["lane"] == "red"
    [reason] = reasons_of(after, "rule")
    assert reason["code"] == "R-ARMS-93"
    assert reason["text"].startswith("Arms and ammunition (HS chapter 93) from an embargoed origin")
    assert after["rules_version"] != before["rules_version"]
    print(f"rule applied by scoring {applied_in * 1000:.0f} ms after the API's answer")

    # Same goods from an origin the rule does not list: the rule does not fire.
    other_origin = await decide(
        http, ingest, gateway, declaration("LIVE-RULE-3", hs6_code="930200", origin_country="BE")
    )
    assert reasons_of(other_origin, "rule") == []
