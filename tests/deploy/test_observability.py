"""Alert rules, the local Prometheus configuration and the Grafana dashboard: valid, tested, and naming only
metrics and labels that the services really expose."""

import shutil
import subprocess

import pytest
import yaml

from tests.deploy.promql import (
    ALERTS,
    REPO,
    alert_expressions,
    code_metrics,
    dashboard,
    dashboard_queries,
    metric_names,
    unknown_names,
)

PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
NEEDS_PROMTOOL = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool missing: run scripts/install-deploy-tools.sh as root"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60, cwd=PROMETHEUS_DIR)


@NEEDS_PROMTOOL
def test_promtool_accepts_the_alert_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@NEEDS_PROMTOOL
def test_promtool_accepts_the_local_prometheus_config() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@NEEDS_PROMTOOL
def test_the_alerts_fire_when_they_should_and_only_then() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_severity_a_summary_and_a_runbook_section_in_the_operations_guide() -> None:
    guide = (REPO / "docs" / "operations.md").read_text()
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    alerts = [rule for group in groups for rule in group["rules"] if "alert" in rule]
    assert {a["alert"] for a in alerts} >= {
        "PortcullisConsumerLagGrowing",
        "PortcullisDeadLetters",
        "PortcullisHttpErrors",
        "PortcullisNoDecisions",
        "PortcullisScoreDrift",
    }
    for alert in alerts:
        assert alert["labels"]["severity"] in {"warning", "critical"}, alert["alert"]
        assert alert["annotations"]["summary"], alert["alert"]
        assert f"### {alert['alert']}" in guide, f"docs/operations.md has no section for {alert['alert']}"


def test_the_prometheus_rule_of_the_manifests_has_exactly_the_rules_of_alerts_yml() -> None:
    rule = yaml.safe_load((REPO / "deploy" / "k8s" / "base" / "prometheus-rule.yaml").read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"], (
        "run deploy/prometheus/render-prometheusrule.py"
    )


def test_the_metric_definitions_are_found_in_the_code() -> None:
    names = {metric.name for metric in code_metrics()}
    # A sample of what shared/ and scoring define: if parsing broke, this set would be empty or short.
    assert {"portcullis_http_requests_total", "portcullis_consumer_lag", "portcullis_model_score"} <= names
    assert len(names) >= 15


@pytest.mark.parametrize(("name", "expr"), sorted({**alert_expressions(), **dashboard_queries()}.items()))
def test_every_query_names_only_metrics_and_labels_that_exist(name: str, expr: str) -> None:
    assert metric_names(expr), f"{name}: no metric found in {expr!r}"
    metrics, labels = unknown_names(expr)
    assert not metrics, f"{name}: unknown metrics {sorted(metrics)}"
    assert not labels, f"{name}: unknown labels {sorted(labels)}"


def test_the_name_check_rejects_a_misspelled_metric_or_label() -> None:
    assert unknown_names("sum(rate(portcullis_decision_total[5m]))")[0] == {"portcullis_decision_total"}
    assert unknown_names("sum(rate(portcullis_model_score[5m]))")[0] == {"portcullis_model_score"}
    assert unknown_names('sum by (lane) (rate(portcullis_decisions_total{stram="declaration"}[5m]))')[1] == {"stram"}
    assert unknown_names("sum by (partition) (portcullis_decisions_total)")[1] == {"partition"}


def test_the_dashboard_shows_what_operations_watch() -> None:
    board = dashboard()
    assert board["uid"] == "portcullis"
    assert [v["name"] for v in board["templating"]["list"]] == ["datasource"]
    panels = board["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
    cells = [
        (panel["title"], x, y)
        for panel in panels
        for x in range(panel["gridPos"]["x"], panel["gridPos"]["x"] + panel["gridPos"]["w"])
        for y in range(panel["gridPos"]["y"], panel["gridPos"]["y"] + panel["gridPos"]["h"])
    ]
    assert len({(x, y) for _, x, y in cells}) == len(cells), "panels overlap"
    used = set().union(*(metric_names(expr) for expr in dashboard_queries().values()))
    for needed in [
        "portcullis_messages_consumed_total",
        "portcullis_messages_produced_total",
        "portcullis_http_requests_total",
        "portcullis_http_request_seconds_bucket",
        "portcullis_decision_latency_seconds_bucket",
        "portcullis_consumer_lag",
        "portcullis_decisions_total",
        "portcullis_messages_dead_lettered_total",
        "portcullis_model_info",
        "portcullis_gateway_receipt_to_storage_seconds_bucket",
        "portcullis_report_hit_rate",
        "portcullis_report_non_compliance_estimate",
        "portcullis_report_release_hours",
    ]:
        assert needed in used, f"the dashboard has no panel on {needed}"
