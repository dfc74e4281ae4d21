"""Issue #17, the mirror gap as a rule field, on the real broker with keys required: after an analyst imports the
partners' Comtrade file (the Korea Customs quarter with planted under-invoicing), analytics publishes the gap table,
scoring follows it, and a saved rule `mirror_unit_value_gap ge 0.3` sends a declaration of a planted pair to red
with a reason naming the gap, not one of a clean pair; a declaration of a pair without a gap (Korean origin: no
partner reports it) reads null and no rule on the field fires for it. The watchlist refuses the field compared
with text."""

import copy
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for
from tests.integration.test_ingest import README_EXAMPLE
from tests.unit.analytics.mirror_data import mirror_store

pytestmark = pytest.mark.integration

THRESHOLD = 0.3
GAP_RULE = {
    "name": "mirror gap",
    "reason": "Declared well below partners' export prices: check the invoice",
    "action": {"lane": "red"},
    "condition": {"field": "mirror_unit_value_gap", "op": "ge", "value": THRESHOLD},
}
# Fires on every pair with a gap (a small score addition), never on a pair without one: null is not "not 5".
ANY_GAP_RULE = {
    "name": "any mirror gap",
    "reason": "Mirror analysis knows this pair",
    "action": {"score": 0.01},
    "condition": {"field": "mirror_unit_value_gap", "op": "ne", "value": 5},
}


def declaration(declaration_id: str, origin: str, hs6: str) -> dict[str, Any]:
    document = copy.deepcopy(README_EXAMPLE)
    document["declaration_id"] = declaration_id
    item = document["items"][0]  # type: ignore[index]
    item.update(hs6_code=hs6, origin_country=origin, departure_country=origin)
    return document


@pytest.mark.timeout(900)  # the model fixture's training, four services and a quarter in the store, on a busy machine
async def test_a_rule_on_the_mirror_gap_selects_a_planted_pair_and_not_a_clean_one(
    tmp_path: Path,
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    _, sample = mirror_store(tmp_path, sample_declarations)  # the analytics service's store: tmp_path/history
    keys = {}
    for role in (Role.ANALYST, Role.SUBMITTER):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    as_analyst = {"Authorization": f"Bearer {keys[Role.ANALYST]}"}
    keys_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    analytics = services.start(
        "analytics",
        {**keys_on, "PORTCULLIS_ANALYTICS_SINK": "false", "PORTCULLIS_ANALYTICS_RESCREEN_ENABLED": "false",
         "PORTCULLIS_ANALYTICS_MIRROR_RATES_PATH": str(tmp_path / "rates.csv")},
    )  # fmt: skip
    watchlist = services.start("watchlist", keys_on)

    wrong_type = {**GAP_RULE, "condition": {"field": "mirror_unit_value_gap", "op": "ge", "value": "0.3"}}
    refused = await http.put(f"{watchlist.url}/v1/rules/R-MIRROR", json=wrong_type, headers=as_analyst)
    assert refused.status_code == 422, refused.text
    assert "mirror_unit_value_gap is a number" in refused.text
    for rule_id, rule in (("R-MIRROR", GAP_RULE), ("R-ANY-GAP", ANY_GAP_RULE)):
        saved = await http.put(f"{watchlist.url}/v1/rules/{rule_id}", json=rule, headers=as_analyst)
        assert saved.status_code in (200, 201), saved.text

    imported = await http.post(
        f"{analytics.url}/v1/mirror/comtrade", content=(tmp_path / "comtrade.csv").read_bytes(), headers=as_analyst
    )
    assert imported.status_code == 200, imported.text
    answer = imported.json()
    assert answer["gaps_version"].startswith("202004-202103-")  # the last 12 months up to March 2021
    assert answer["gap_pairs"] > 100

    gaps = {}
    for record in await read_topic(kafka, kafka.topic("mirror-gaps")):
        value = orjson.loads(record.value)  # type: ignore[attr-defined]
        if value["type"] == "gap" and value["version"] == answer["gaps_version"]:
            gaps[(value["origin"], value["hs6"])] = value
    assert len(gaps) == answer["gap_pairs"]
    planted_pairs = {(origin, hs6) for hs6, origin in sample.planted}
    assert all(gaps[pair]["unit_value_gap"] >= THRESHOLD for pair in planted_pairs)
    planted = min(planted_pairs)
    measured = [pair for pair in gaps if pair not in planted_pairs and gaps[pair]["unit_value_gap"] is not None]
    clean = min(measured, key=lambda pair: abs(gaps[pair]["unit_value_gap"]))
    assert ("KR", "440890") not in gaps

    scoring = services.start("scoring", {**keys_on, "PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0"})
    ingest = services.start("ingest", keys_on)
    as_submitter = {"Authorization": f"Bearer {keys[Role.SUBMITTER]}"}
    posted = {"D-PLANTED": planted, "D-CLEAN": clean, "D-NO-GAP": ("KR", "440890")}
    for declaration_id, (origin, hs6) in posted.items():
        response = await http.post(
            f"{ingest.url}/v1/declarations", json=declaration(declaration_id, origin, hs6), headers=as_submitter
        )
        assert response.status_code == 202, response.text

    async def decided() -> dict[str, dict[str, Any]] | None:
        found = {}
        for record in await read_topic(kafka, kafka.topic("decisions")):
            decision = orjson.loads(record.value)  # type: ignore[attr-defined]
            found[decision["subject_id"]] = decision
        return found if set(posted) <= set(found) else None

    decisions = await wait_for(decided, timeout_s=90, interval_s=1.0)
    assert scoring.pid is not None

    def rule_reasons(subject_id: str) -> dict[str, str]:
        return {r["code"]: r["text"] for r in decisions[subject_id]["reasons"] if r["kind"] == "rule"}

    planted_reasons = rule_reasons("D-PLANTED")
    assert decisions["D-PLANTED"]["lane"] == "red"
    origin, hs6 = planted
    expected_gap = f"mirror_unit_value_gap {gaps[planted]['unit_value_gap']:.2f}"
    assert planted_reasons["R-MIRROR"].startswith(f"{GAP_RULE['reason']} (item 1); mirror analysis ({expected_gap}): ")
    assert f"declarations of HS6 {hs6} from {origin} state USD" in planted_reasons["R-MIRROR"]
    assert "below the USD" in planted_reasons["R-MIRROR"]
    assert set(rule_reasons("D-CLEAN")) == {"R-ANY-GAP"}  # the table knows the pair; its gap is small
    assert rule_reasons("D-NO-GAP") == {}  # null: no rule on the field fires
