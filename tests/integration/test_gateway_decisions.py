"""The decisions API on the real broker, SQLite and PostgreSQL: filters, sorts, cursor pages under inserts."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from portcullis.cli.processes import ServiceProcess, ServiceSet
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, wait_for

pytestmark = pytest.mark.integration

BASE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
COUNT = 600


def make_decision(index: int, rng: random.Random, decided_at: datetime | None = None) -> dict[str, Any]:
    """A decision as scoring publishes it, with attributes; times and scores repeat so that sorts have ties."""
    lane = rng.choice([Lane.GREEN] * 6 + [Lane.YELLOW] * 2 + [Lane.RED] * 2)
    reasons = [Reason(kind=ReasonKind.MODEL, text="risk score", code="score", weight=0.1)]
    if index % 9 == 0:
        reasons.append(Reason(kind=ReasonKind.RULE, text="HS 9302 from a listed origin", code=f"R-{index % 2}"))
    decided = decided_at or BASE + timedelta(seconds=index // 3)
    return Decision(
        stream=Stream.DECLARATION,
        subject_id=f"D{index:06d}",
        lane=lane,
        score=round(rng.random(), 2),
        model_version="dm-a" if index % 2 else "dm-b",
        rules_version="r1",
        watchlist_version="w1",
        reasons=reasons,
        random_selection=lane == Lane.RED and index % 4 == 0,
        attributes={"office_id": str(10 + index % 5), "importer_id": f"IMP{index % 7}"},
        submitted_at=decided - timedelta(seconds=2),
        received_at=decided - timedelta(milliseconds=300),
        decided_at=decided,
    ).model_dump(mode="json")


async def start_gateway(gateway_set: ServiceSet, database_url: str) -> ServiceProcess:
    """The gateway on this test's topics and database."""
    return gateway_set.start("gateway", {"PORTCULLIS_GATEWAY_DATABASE_URL": database_url})


async def wait_stored(http: httpx.AsyncClient, url: str, count: int) -> None:
    """Wait until the store holds `count` declaration decisions."""

    async def stored() -> bool:
        response = await http.get(f"{url}/v1/statistics")
        return response.status_code == 200 and response.json()["decisions"] >= count

    await wait_for(stored, timeout_s=30, interval_s=0.2)


async def walk(http: httpx.AsyncClient, url: str, params: list[tuple[str, str]], limit: int) -> list[dict[str, Any]]:
    """Every page of a listing, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = [*params, ("limit", str(limit))] + ([("cursor", cursor)] if cursor else [])
        response = await http.get(f"{url}/v1/decisions", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _key(item: dict[str, Any], sort: str) -> tuple[Any, int]:
    key = datetime.fromisoformat(item["decided_at"]) if sort.startswith("decided_at") else item["score"]
    return key, item["id"]


CASES: list[tuple[list[tuple[str, str]], str, int, Any]] = [
    ([], "decided_at_desc", 500, lambda d: True),
    (
        [("lane", "red"), ("lane", "yellow"), ("office_id", "12")],
        "score_desc",
        7,
        lambda d: d["lane"] in {"red", "yellow"} and d["attributes"]["office_id"] == "12",
    ),
    (
        [
            ("importer_id", "IMP3"),
            ("decided_from", "2026-11-25T12:00:30Z"),
            ("decided_to", "2026-11-25T14:01:30+02:00"),
            ("score_min", "0.2"),
            ("score_max", "0.8"),
        ],
        "decided_at_asc",
        11,
        lambda d: (
            d["attributes"]["importer_id"] == "IMP3"
            and BASE + timedelta(seconds=30) <= datetime.fromisoformat(d["decided_at"]) < BASE + timedelta(seconds=90)
            and 0.2 <= d["score"] <= 0.8
        ),
    ),
    (
        [("random_selection", "true"), ("model_version", "dm-b"), ("stream", "declaration")],
        "score_asc",
        3,
        lambda d: d["random_selection"] and d["model_version"] == "dm-b",
    ),
]


async def test_filters_and_cursor_pages_give_every_matching_decision_exactly_once_in_order_even_during_inserts(
    gateway_set: ServiceSet, kafka: KafkaSettings, database_url: str, http: httpx.AsyncClient
) -> None:
    rng = random.Random(6)
    decisions = [make_decision(index, rng) for index in range(COUNT)]
    gateway = await start_gateway(gateway_set, database_url)
    await publish_decisions(kafka, decisions)
    await wait_stored(http, gateway.url, COUNT)

    for params, sort, limit, matches in CASES:
        walked = await walk(http, gateway.url, [*params, ("sort", sort)], limit)
        expected = sorted(d["subject_id"] for d in decisions if matches(d))
        assert expected, params
        assert sorted(item["subject_id"] for item in walked) == expected, params
        keys = [_key(item, sort) for item in walked]
        assert keys == sorted(keys, reverse=sort.endswith("_desc")), params

    one = (await http.get(f"{gateway.url}/v1/decisions/D000009")).json()
    assert one["attributes"] == {"office_id": "14", "importer_id": "IMP2"}
    assert one["reasons"][1] == {"kind": "rule", "text": "HS 9302 from a listed origin", "code": "R-1", "weight": None}

    since = {"decided_from": "2026-11-25T12:00:00Z"}
    statistics = (await http.get(f"{gateway.url}/v1/statistics", params=since)).json()
    assert statistics["decisions"] == COUNT
    offices = Counter(d["attributes"]["office_id"] for d in decisions)
    assert {office: group["decisions"] for office, group in statistics["offices"].items()} == dict(offices)
    rules = {rule: sum(any(r.get("code") == rule for r in d["reasons"]) for d in decisions) for rule in ("R-0", "R-1")}
    assert {rule: group["decisions"] for rule, group in statistics["rules"].items()} == rules
    assert statistics["lanes"]["red"]["hit_rate"] is None  # nothing inspected yet
    assert statistics["receipt_to_decision_s"] | {"p50": round(statistics["receipt_to_decision_s"]["p50"], 6)} == {
        "count": COUNT,
        "p50": 0.3,
        "p95": pytest.approx(0.3),
        "p99": pytest.approx(0.3),
        "sampled": False,
    }
    assert statistics["submission_to_decision_s"]["p99"] == pytest.approx(2.0)

    # A walk stays exact while new decisions arrive in the middle of it.
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"sort": "decided_at_desc", "limit": "40"} | ({"cursor": cursor} if cursor else {})
        page = (await http.get(f"{gateway.url}/v1/decisions", params=query)).json()
        seen.extend(item["subject_id"] for item in page["items"])
        pages += 1
        if pages == 2:
            # Newer ones (before the cursor) and older ones (after it) arrive in the middle of the walk.
            newer = [make_decision(1000 + i, rng, BASE + timedelta(days=1, seconds=i)) for i in range(50)]
            older = [make_decision(2000 + i, rng, BASE - timedelta(days=1, seconds=i)) for i in range(50)]
            await publish_decisions(kafka, newer + older)
            await wait_stored(http, gateway.url, COUNT + 100)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert {d["subject_id"] for d in decisions} <= set(seen)
    assert {f"D{2000 + i:06d}" for i in range(50)} <= set(seen)  # older than the cursor: still ahead of the walk
    assert not {f"D{1000 + i:06d}" for i in range(50)} & set(seen)  # newer: behind the walk, on a fresh first page


BAD_QUERIES: list[tuple[dict[str, str], str]] = [
    ({"limit": "501"}, "limit"),
    ({"score_min": "0.8", "score_max": "0.2"}, "score_max"),
    ({"score_min": "1.5"}, "score_min"),
    ({"lane": "purple"}, "lane.0"),
    ({"decided_from": "2026-11-25T12:00:00"}, "decided_from"),
    ({"decided_from": "2026-11-25T12:00:00Z", "decided_to": "2026-11-25T11:00:00Z"}, "decided_to"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"sort": "lane"}, "sort"),
]


async def test_a_bad_query_or_a_cursor_used_with_other_filters_is_answered_422_naming_the_field(
    gateway_set: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    gateway = await start_gateway(gateway_set, f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    for query, field in BAD_QUERIES:
        response = await http.get(f"{gateway.url}/v1/decisions", params=query)
        assert response.status_code == 422, query
        assert field in [error["field"] for error in response.json()["detail"]], query

    await publish_decisions(kafka, [make_decision(index, random.Random(index)) for index in range(5)])
    await wait_stored(http, gateway.url, 5)
    first = (await http.get(f"{gateway.url}/v1/decisions", params={"limit": "2"})).json()
    cursor = first["next_cursor"]
    assert cursor is not None
    other_filter = await http.get(f"{gateway.url}/v1/decisions", params={"cursor": cursor, "lane": "red"})
    other_sort = await http.get(f"{gateway.url}/v1/decisions", params={"cursor": cursor, "sort": "score_asc"})
    for response in (other_filter, other_sort):
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "cursor"
    assert (await http.get(f"{gateway.url}/v1/decisions/unknown")).status_code == 404
