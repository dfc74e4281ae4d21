"""The performance report counts blue declarations and their post-clearance audits apart, and the period's lane
overrides by office and officer, from what the sink stored of the `decisions`, `outcomes` and `overrides` topics."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import REGISTRY

from portcullis.analytics.metrics import refresh_headline_metrics
from portcullis.analytics.reports.performance import PerformanceGroup, performance_report
from portcullis.analytics.reports.period import Period
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.settings import KafkaSettings
from tests.unit.analytics.history_records import FakeRecord

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
AT = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)


def _decision(subject_id: str, lane: str, office: str, version: int = 1) -> dict[str, Any]:
    return {
        "stream": "declaration",
        "subject_id": subject_id,
        "version": version,
        "lane": lane,
        "score": 0.5,
        "model_version": "dm-1",
        "random_selection": False,
        "reasons": [],
        "attributes": {"office_id": office},
        "submitted_at": AT.isoformat(),
        "received_at": AT.isoformat(),
        "decided_at": AT.isoformat(),
    }


def _outcome(subject_id: str, lane: str, found: bool) -> dict[str, Any]:
    return {
        "stream": "declaration",
        "subject_id": subject_id,
        "version": 1,
        "lane": lane,
        "inspected": True,
        "irregularity_found": found,
        "officer_id": "AUDIT-1",
        "decided_at": AT.isoformat(),
        "inspected_at": (AT + timedelta(days=20)).isoformat(),
        "recorded_at": (AT + timedelta(days=20)).isoformat(),
    }


def _override(subject_id: str, scored: str, lane: str, office: str, key_id: str, hours: int) -> dict[str, Any]:
    overridden_at = AT + timedelta(hours=hours)
    override = {
        "lane": lane,
        "scored_lane": scored,
        "reason": "a reason",
        "key_id": key_id,
        "overridden_at": overridden_at.isoformat(),
    }
    return {**_decision(subject_id, lane, office, version=2), "override": override}


def _records(topic: str, messages: list[dict[str, Any]]) -> list[FakeRecord]:
    at_ms = int(AT.timestamp() * 1000)
    return [
        FakeRecord(topic, 0, offset, at_ms + offset, str(m["subject_id"]).encode(), orjson.dumps(m))
        for offset, m in enumerate(messages)
    ]


def _store(tmp_path: Path) -> StoreLayout:
    store = StoreLayout(tmp_path / "store", tmp_path / "personal")
    decisions = [
        _decision("B1", "blue", "30"),
        _decision("B2", "blue", "30"),
        _decision("B3", "blue", "31"),
        _decision("Y1", "yellow", "30"),
        _decision("R1", "red", "31"),
        _decision("G1", "green", "30"),
        _decision("G2", "green", "31"),
    ]
    outcomes = [_outcome("B1", "blue", True), _outcome("B2", "blue", False), _outcome("Y1", "yellow", False)]
    overrides = [
        _override("Y1", "yellow", "green", "30", "kSUP1", 1),
        _override("G1", "green", "red", "30", "kSUP1", 2),
        _override("B3", "blue", "red", "31", "kSUP2", 3),
        _override("G2", "green", "blue", "31", "kSUP1", 4),
        # Outside the period: not counted.
        _override("R1", "red", "yellow", "31", "kSUP2", 24 * 30),
    ]
    sink = HistorySink(store, KafkaSettings())
    records = _records("decisions", decisions) + _records("outcomes", outcomes) + _records("overrides", overrides)
    assert sink.write(records) == []  # type: ignore[arg-type]
    return store


def test_blue_declarations_and_their_audits_count_apart_from_the_selections(tmp_path: Path) -> None:
    with connect(_store(tmp_path)) as connection:
        report = performance_report(connection, PERIOD, PerformanceGroup.OFFICE)
    total = report.total
    assert (total.records, total.blue, total.selections, total.red, total.yellow) == (7, 3, 2, 1, 1)
    assert (total.blue_audits, total.blue_hits, total.blue_hit_rate) == (2, 1, 0.5)
    assert (total.inspections, total.hits) == (3, 1)  # a post-clearance audit is an outcome like any other
    by_office = {row.group: row for row in report.groups}
    assert (by_office["30"].blue, by_office["30"].blue_audits, by_office["31"].blue) == (2, 2, 1)
    # The estimate needs a sample of every stratum with members: here the would-be-green one has none.
    assert total.non_compliance_estimate is None


def test_overrides_of_the_period_are_counted_by_office_and_officer(tmp_path: Path) -> None:
    with connect(_store(tmp_path)) as connection:
        report = performance_report(connection, PERIOD, PerformanceGroup.LANE)
    counted = {(o.office, o.officer): o for o in report.overrides}
    assert set(counted) == {("30", "kSUP1"), ("31", "kSUP1"), ("31", "kSUP2")}
    office_30 = counted[("30", "kSUP1")]
    assert (office_30.overrides, office_30.raised, office_30.lowered) == (2, 1, 1)
    assert (office_30.to_green, office_30.to_red, office_30.to_blue, office_30.to_yellow) == (1, 1, 0, 0)
    assert (office_30.inspections, office_30.hits, office_30.hit_rate) == (1, 0, 0.0)  # Y1 was inspected
    assert (counted[("31", "kSUP1")].to_blue, counted[("31", "kSUP1")].raised) == (1, 1)  # green to blue raises
    assert (counted[("31", "kSUP2")].overrides, counted[("31", "kSUP2")].to_red) == (1, 1)  # R1's is next month


def test_an_empty_store_has_no_overrides(tmp_path: Path) -> None:
    with connect(StoreLayout(tmp_path / "store", tmp_path / "personal")) as connection:
        report = performance_report(connection, PERIOD, PerformanceGroup.OFFICER)
    assert report.overrides == []
    assert report.total.blue == 0


def test_the_headline_metrics_give_the_hit_rate_of_blue_audits(tmp_path: Path) -> None:
    refresh_headline_metrics(_store(tmp_path), AnalyticsSettings(), today=datetime(2026, 10, 31, tzinfo=UTC))
    assert REGISTRY.get_sample_value("portcullis_report_hit_rate", {"selection": "blue"}) == 0.5
