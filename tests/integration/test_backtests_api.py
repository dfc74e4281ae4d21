"""`POST /v1/backtests` on the analytics service with keys on: analysts only, a bad rule named in a 422, a job with
progress whose answer counts what a draft rule and a saved rule (published on the watchlist topic, as the watchlist
service publishes it) select in a month the real scoring pipeline decided; a backtest of the model version that
decided the month (from the model registry, as scoring reads it) reproduces every stored lane, and an unknown version
is a 422 naming `model_version`."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from portcullis.cli.keys import publish_key
from portcullis.cli.main import app
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.schemas.watchlist import RuleDocument, RuleSpec, encode_document, topic_key
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for
from tests.unit.analytics.backtest_history import (
    FROM_VIETNAM,
    RULES,
    month_of_declarations,
    outcomes_for,
    quick_model,
    score_month,
    write_store,
)

pytestmark = pytest.mark.integration

DECLARATIONS = 800
TOYS_FROM_CN = {
    "name": "toys from China",
    "reason": "toys from China: examine",
    "action": {"lane": "red"},
    "condition": {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "95"},
            {"field": "origin_country", "op": "eq", "value": "CN"},
        ]
    },
}


async def _publish_rules(kafka: KafkaSettings, rules: dict[str, dict[str, Any]]) -> None:
    publisher = Publisher(kafka)
    try:
        messages = []
        for rule_id, body in rules.items():
            document = RuleDocument(
                id=rule_id,
                version=1,
                changed_by="analyst",
                changed_at="2026-09-01T00:00:00Z",  # type: ignore[arg-type]
                rule=RuleSpec.model_validate(body),
            )
            messages.append(Message(kafka.topic("watchlist"), topic_key(document), encode_document(document)))
        await publisher.publish(messages)
    finally:
        await publisher.close()


@pytest.mark.timeout(300)
async def test_analysts_backtest_draft_and_saved_rules_readers_may_not(tmp_path: Path, kafka: KafkaSettings) -> None:
    documents = month_of_declarations(DECLARATIONS)
    # The pipeline runs its own event loop: in a thread.
    model = quick_model(tmp_path)
    decisions = await asyncio.to_thread(score_month, model, documents, RULES)
    ModelRegistry(tmp_path / "models").publish(model.save(tmp_path / "artifact"))
    write_store(tmp_path, documents, decisions, outcomes_for(decisions))
    await _publish_rules(kafka, {"R-VN": FROM_VIETNAM})
    keys = {}
    for role in (Role.READER, Role.ANALYST):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    services = ServiceSet(tmp_path, kafka, tmp_path / "models")  # analytics reads the registry for model backtests
    environment = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_ANALYTICS_SINK": "false",
        "PORTCULLIS_ANALYTICS_RANDOM_SELECTION_RATE": "0.1",  # as the month was scored
    }
    request = {"rules": [TOYS_FROM_CN], "rule_ids": ["R-VN"], "from": "2026-10-01", "to": "2026-10-31"}
    try:
        analytics = services.make("analytics", environment).start()
        async with httpx.AsyncClient(base_url=analytics.url, timeout=30) as client:

            def as_role(role: Role) -> dict[str, str]:
                return {"Authorization": f"Bearer {keys[role]}"}

            refused = await client.post("/v1/backtests", json=request, headers=as_role(Role.READER))
            assert refused.status_code == 403
            assert (await client.post("/v1/backtests", json=request)).status_code == 401

            unknown_field = {**TOYS_FROM_CN, "condition": {"field": "colour", "op": "eq", "value": "red"}}
            bad = await client.post(
                "/v1/backtests", json={**request, "rules": [unknown_field]}, headers=as_role(Role.ANALYST)
            )
            assert bad.status_code == 422
            assert [error["field"] for error in bad.json()["detail"]] == ["rules.0.condition.field"]
            no_reason = {key: value for key, value in TOYS_FROM_CN.items() if key != "reason"}
            bad = await client.post(
                "/v1/backtests", json={**request, "rules": [no_reason]}, headers=as_role(Role.ANALYST)
            )
            assert bad.status_code == 422
            assert [error["field"] for error in bad.json()["detail"]] == ["rules.0.reason"]
            # A mirror gap rule would select nothing over history (no gap table there): refused, not answered zero.
            mirrored = {**TOYS_FROM_CN, "condition": {"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3}}
            bad = await client.post(
                "/v1/backtests", json={**request, "rules": [mirrored]}, headers=as_role(Role.ANALYST)
            )
            assert bad.status_code == 422
            assert [error["field"] for error in bad.json()["detail"]] == ["rules.0"]
            assert "mirror gap" in bad.json()["detail"][0]["reason"]
            too_long = {**request, "to": "2027-12-31"}
            bad = await client.post("/v1/backtests", json=too_long, headers=as_role(Role.ANALYST))
            assert bad.status_code == 422
            assert bad.json()["detail"][0]["field"] == "to"

            async def started() -> httpx.Response | None:
                answer = await client.post("/v1/backtests", json=request, headers=as_role(Role.ANALYST))
                # The saved rule arrives with the watchlist topic, read at the start: a 422 names it until then.
                return answer if answer.status_code == 202 else None

            job = (await wait_for(started, 30, 0.5)).json()
            assert job["rule_ids"] == ["draft-1", "R-VN"]

            async def done() -> dict[str, Any] | None:
                answer = await client.get(f"/v1/backtests/{job['id']}", headers=as_role(Role.ANALYST))
                assert answer.status_code == 200
                body: dict[str, Any] = answer.json()
                return body if body["status"] in ("done", "failed") else None

            finished = await wait_for(done, 120, 0.5)
            refused = await client.get(f"/v1/backtests/{job['id']}", headers=as_role(Role.READER))
            assert refused.status_code == 403
            missing = await client.get("/v1/backtests/bt-000000000000", headers=as_role(Role.ANALYST))
            assert missing.status_code == 404

            # The model that decided the month, by its version in the registry.
            month = {"from": "2026-10-01", "to": "2026-10-31"}
            unknown = await client.post(
                "/v1/backtests", json={**month, "model_version": "dm-nope"}, headers=as_role(Role.ANALYST)
            )
            assert unknown.status_code == 422
            assert [error["field"] for error in unknown.json()["detail"]] == ["model_version"]
            answer = await client.post(
                "/v1/backtests", json={**month, "model_version": model.version}, headers=as_role(Role.ANALYST)
            )
            assert answer.status_code == 202, answer.text
            job = answer.json()
            assert (job["model_version"], job["rule_ids"]) == (model.version, [])
            remodelled = await wait_for(done, 120, 0.5)
        # The command line: the same backtest, waited for, as JSON and as a table.
        rules_file = tmp_path / "draft.json"
        rules_file.write_text(json.dumps(TOYS_FROM_CN))
        command = ["backtest", "--rules", str(rules_file), "--rule-id", "R-VN", "--from", "2026-10-01"]
        command += ["--to", "2026-10-31", "--url", analytics.url, "--api-key", keys[Role.ANALYST]]
        printed = await asyncio.to_thread(CliRunner().invoke, app, [*command, "--json"])
        assert printed.exit_code == 0, printed.output
        from_command = json.loads(printed.stdout)
        assert from_command["result"]["rules"] == finished["result"]["rules"]
        assert from_command["result"]["backtest_lanes"] == finished["result"]["backtest_lanes"]
        table = await asyncio.to_thread(CliRunner().invoke, app, command)
        assert table.exit_code == 0, table.output
        assert f"{DECLARATIONS:,} declarations" in table.stdout
        assert "draft-1" in table.stdout
        refused = await asyncio.to_thread(CliRunner().invoke, app, [*command[:-1], keys[Role.READER]])
        assert refused.exit_code == 1
        assert "refused (403)" in refused.output
        command = ["backtest", "--model-version", model.version, "--from", "2026-10-01", "--to", "2026-10-31"]
        command += ["--url", analytics.url, "--api-key", keys[Role.ANALYST]]
        table = await asyncio.to_thread(CliRunner().invoke, app, command)
        assert table.exit_code == 0, table.output
        assert f"model {model.version}" in table.stdout
        assert "0 scores changed" in table.stdout
    finally:
        services.stop_all()
    assert finished["status"] == "done", finished
    assert finished["records_done"] == finished["records_total"] == DECLARATIONS
    result = finished["result"]
    toys = sum(
        any(i["hs6_code"].startswith("95") and i["origin_country"] == "CN" for i in d["items"]) for d in documents
    )
    vietnam = sum(any(i["origin_country"] == "VN" for i in d["items"]) for d in documents)
    assert {r["rule_id"]: r["matched"] for r in result["rules"]} == {"draft-1": toys, "R-VN": vietnam}
    assert toys > 0
    assert result["records"] == DECLARATIONS
    assert result["stored_lanes"] == {
        lane: sum(d["lane"] == lane for d in decisions) for lane in ("green", "blue", "yellow", "red")
    }
    assert remodelled["status"] == "done", remodelled
    assert remodelled["result"]["model"]["version"] == model.version
    assert remodelled["result"]["model"]["scores_changed"] == 0
    assert remodelled["result"]["overlap"]["same_lane"] == DECLARATIONS
    assert remodelled["result"]["backtest_lanes"] == result["stored_lanes"]
