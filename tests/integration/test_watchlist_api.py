"""The watchlist API as analysts use it, on SQLite and PostgreSQL: validation, audit trail, soft deletes, dry runs,
and publication to the topic that survives a lost publication."""

import copy
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import text

from portcullis.cli.processes import ServiceSet
from portcullis.shared.db import create_engine
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for
from tests.integration.test_ingest import README_EXAMPLE

pytestmark = pytest.mark.integration

USER = {"X-Portcullis-User": "analyst.api"}
PERSON = {
    "kind": "person",
    "name": "Ivan PETROVSKY",
    "aliases": ["Ivan PETROVSKI"],
    "birth_dates": ["1961-03-14"],
    "nationalities": ["RU"],
    "list_name": "National watchlist",
    "reason": "smuggling of cultural goods",
    "action": {"lane": "yellow"},
}


@pytest.fixture
def watchlist_services(tmp_path: Path, kafka: KafkaSettings) -> Iterator[ServiceSet]:
    """Service processes for tests that need no model (the watchlist service alone)."""
    service_set = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    yield service_set
    service_set.stop_all()


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["detail"]]


async def test_validation_audit_soft_delete_dry_run_and_publication(
    watchlist_services: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, database_url: str
) -> None:
    watchlist = watchlist_services.start("watchlist", {"PORTCULLIS_WATCHLIST_DATABASE_URL": database_url})
    entries = f"{watchlist.url}/v1/watchlist/entries"

    # Validation names the field.
    bad_vessel = {"kind": "vessel", "name": "Ocean Star", "imo_number": "9074728", "list_name": "L", "reason": "r"}
    assert fields_of(await http.post(entries, json=bad_vessel, headers=USER)) == ["imo_number"]
    bad_container = {"kind": "container", "container_number": "CSQU3054384", "list_name": "L", "reason": "r"}
    assert fields_of(await http.post(entries, json=bad_container, headers=USER)) == ["container_number"]
    bad_person = {**PERSON, "nationalities": ["RU", "QQ"], "birth_dates": ["1961-02-30"]}
    assert fields_of(await http.post(entries, json=bad_person, headers=USER)) == ["birth_dates.0", "nationalities.1"]
    assert fields_of(await http.post(entries, json=PERSON)) == ["X-Portcullis-User"]
    bad_rule = {
        "name": "r",
        "reason": "r",
        "condition": {
            "all": [
                {"field": "hs8_code", "op": "eq", "value": "1"},
                {"field": "tax_rate", "op": "prefix", "value": "1"},
            ]
        },
    }
    response = await http.post(f"{watchlist.url}/v1/rules", json=bad_rule, headers=USER)
    assert fields_of(response) == ["condition.all.0.field", "condition.all.1.op"]
    assert "unknown field 'hs8_code'" in response.json()["detail"][0]["reason"]

    # Create, change, screen, delete: every change is audited with before and after.
    created = await http.post(entries, json=PERSON, headers=USER)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    screen = {"name": "Iwan Petrovsky", "dob": "1961-03-14", "schema": "Person"}
    matches = (await http.get(f"{watchlist.url}/v1/screen", params=screen)).json()["matches"]
    assert [m["entry_id"] for m in matches] == [entry_id]
    assert "date of birth matches" in matches[0]["evidence"]

    changed = {**PERSON, "reason": "smuggling of cultural goods; customs fraud", "action": {"lane": "red"}}
    updated = await http.put(f"{entries}/{entry_id}", json=changed, headers={"X-Portcullis-User": "supervisor"})
    assert updated.status_code == 200
    assert updated.json()["version"] == 2
    same_again = await http.put(f"{entries}/{entry_id}", json=changed, headers=USER)
    assert same_again.json()["version"] == 2  # an identical body changes nothing

    assert (await http.delete(f"{entries}/{entry_id}", headers=USER)).status_code == 200
    assert (await http.get(f"{entries}/{entry_id}")).status_code == 404
    assert (await http.get(f"{watchlist.url}/v1/screen", params=screen)).json()["matches"] == []
    listed = (await http.get(entries, params={"include_deleted": "true"})).json()["items"]
    assert [(e["id"], e["deleted"]) for e in listed] == [(entry_id, True)]

    audit = (await http.get(f"{entries}/{entry_id}/audit")).json()
    assert [(a["action"], a["version"], a["changed_by"]) for a in audit] == [
        ("create", 1, "analyst.api"),
        ("update", 2, "supervisor"),
        ("delete", 3, "analyst.api"),
    ]
    assert audit[0]["before"] is None
    assert audit[1]["changed_fields"] == ["action", "reason"]
    assert audit[1]["before"]["entry"]["reason"] == "smuggling of cultural goods"
    assert audit[1]["after"]["entry"]["reason"] == "smuggling of cultural goods; customs fraud"
    assert audit[2]["after"]["deleted"] is True
    assert (await http.get(f"{entries}/nope/audit")).status_code == 404

    # Dry run of an unsaved and of a saved rule on sample declarations.
    arms = copy.deepcopy(README_EXAMPLE)
    arms["declaration_id"] = "DRY-1"
    arms["items"].append({**arms["items"][0], "hs6_code": "930200", "origin_country": "IR"})
    rule = {
        "name": "Arms from embargoed origins",
        "reason": "HS chapter 93 from an embargoed origin",
        "condition": {
            "all": [
                {"field": "hs6_code", "op": "prefix", "value": "93"},
                {"field": "origin_country", "op": "in", "value": ["IR", "KP"]},
            ]
        },
    }
    dry = await http.post(
        f"{watchlist.url}/v1/rules/dry-run", json={"rule": rule, "declarations": [README_EXAMPLE, arms]}
    )
    assert dry.status_code == 200, dry.text
    assert [(r["declaration_id"], r["matched"], r["items"]) for r in dry.json()["results"]] == [
        ("97061800", False, []),
        ("DRY-1", True, [2]),
    ]
    saved = await http.put(f"{watchlist.url}/v1/rules/R-ARMS", json=rule, headers=USER)
    assert saved.status_code == 201
    dry = await http.post(f"{watchlist.url}/v1/rules/dry-run", json={"rule_id": "R-ARMS", "declarations": [arms]})
    assert dry.json()["matched"] == 1
    assert dry.json()["in_force_now"] is True
    fields = fields_of(
        await http.post(f"{watchlist.url}/v1/rules/dry-run", json={"rule": bad_rule, "declarations": [arms]})
    )
    assert fields == ["rule.condition.all.0.field", "rule.condition.all.1.op"]

    fields = {f["name"]: f for f in (await http.get(f"{watchlist.url}/v1/rules/fields")).json()}
    assert fields["hs6_code"]["level"] == "item"
    assert "prefix" in fields["hs6_code"]["operators"]
    assert "prefix" not in fields["tax_rate"]["operators"]
    rule_audit = (await http.get(f"{watchlist.url}/v1/rules/R-ARMS/audit")).json()
    assert [(a["action"], a["changed_by"]) for a in rule_audit] == [("create", "analyst.api")]
    assert rule_audit[0]["after"]["rule"]["condition"] == rule["condition"]

    # Every version reached the topic, keyed by the stable id.
    messages = await read_topic(kafka, kafka.topic("watchlist"))
    published = [(r.key.decode(), orjson.loads(r.value)) for r in messages]  # type: ignore[attr-defined]
    assert [(key, doc["version"], doc["deleted"]) for key, doc in published] == [
        (f"entry:{entry_id}", 1, False),
        (f"entry:{entry_id}", 2, False),
        (f"entry:{entry_id}", 3, True),
        ("rule:R-ARMS", 1, False),
    ]

    # A change committed but never published (the process died in between) is published at the next start.
    watchlist.stop()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE selectivity_rules SET published_version = 0"))
    finally:
        await engine.dispose()
    watchlist.start()

    async def republished() -> bool:
        records = [r for r in await read_topic(kafka, kafka.topic("watchlist")) if r.key == b"rule:R-ARMS"]  # type: ignore[attr-defined]
        return len(records) == 2

    await wait_for(republished, timeout_s=10, interval_s=0.2)
