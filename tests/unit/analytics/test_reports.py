"""The performance and time-release reports over a store the sink wrote equal a computation from the ground truth
of the generated month (amendments, duplicate deliveries, corrections and re-sent events included)."""

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from portcullis.analytics.reports.performance import PerformanceGroup, performance_report
from portcullis.analytics.reports.period import Period, stratified_estimate, wilson_interval
from portcullis.analytics.reports.time_release import STAGES, TimeReleaseGroup, time_release_report
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import HistoryMonth, Truth, generate_history
from tests.unit.analytics.history_records import month_records

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
TRUE_NON_COMPLIANCE = 0.08
TARGET_HOURS = 24.0


@pytest.fixture(scope="module")
def month() -> HistoryMonth:
    return generate_history(declarations=6000, seed=15, non_compliance_rate=TRUE_NON_COMPLIANCE)


@pytest.fixture(scope="module")
def layout(month: HistoryMonth, tmp_path_factory: pytest.TempPathFactory) -> StoreLayout:
    folder = tmp_path_factory.mktemp("history")
    store = StoreLayout(folder / "store", folder / "personal")
    sink = HistorySink(store, KafkaSettings())
    records = month_records(month)
    for start in range(0, len(records), 2500):
        assert sink.write(records[start : start + 2500]) == []  # type: ignore[arg-type]
    return store


def _week(truth: Truth) -> str:
    return truth.decided_at.strftime("%G-W%V")


PERFORMANCE_KEYS: dict[PerformanceGroup, Callable[[Truth], list[str]]] = {
    PerformanceGroup.LANE: lambda t: [t.lane],
    PerformanceGroup.OFFICE: lambda t: [t.office_id],
    PerformanceGroup.RULE: lambda t: list(t.rules) or ["none"],
    PerformanceGroup.WATCHLIST: lambda t: list(t.watchlist_entries) or ["none"],
    PerformanceGroup.MODEL_VERSION: lambda t: [t.model_version],
    PerformanceGroup.OFFICER: lambda t: [t.officer_id or "no outcome"],
    PerformanceGroup.WEEK: lambda t: [_week(t)],
}


def _in_period(truth: Truth) -> bool:
    return PERIOD.start <= truth.decided_at < PERIOD.end


def _expected_performance(rows: list[Truth]) -> dict[str, object]:
    inspected = [t for t in rows if t.inspected]
    hits = [t for t in inspected if t.hit]
    random_inspected = [t for t in inspected if t.random_selection]
    random_hits = [t for t in random_inspected if t.hit]
    targeted = [t for t in inspected if t.lane in ("red", "yellow") and not t.random_selection]
    red = [t for t in targeted if t.lane == "red"]
    revenue = float(sum(t.revenue for t in inspected))
    red_revenue = float(sum(t.revenue for t in red))
    return {
        "records": len(rows),
        "selections": sum(t.lane in ("red", "yellow") for t in rows),
        "red": sum(t.lane == "red" for t in rows),
        "inspections": len(inspected),
        "hits": len(hits),
        "revenue_recovered": pytest.approx(revenue),
        "seizures": sum(t.seized for t in inspected),
        "seizure_value": pytest.approx(float(sum(t.seizure_value for t in inspected))),
        "random_inspections": len(random_inspected),
        "random_hits": len(random_hits),
        "targeted_inspections": len(targeted),
        "targeted_hits": sum(t.hit for t in targeted),
        "red_inspections": len(red),
        "red_hits": sum(t.hit for t in red),
        "red_revenue": pytest.approx(red_revenue),
        "random_selections": sum(t.random_selection for t in rows),
    }


@pytest.mark.parametrize("group_by", list(PERFORMANCE_KEYS))
def test_performance_per_group_equals_the_ground_truth(
    month: HistoryMonth, layout: StoreLayout, group_by: PerformanceGroup
) -> None:
    groups: dict[str, list[Truth]] = defaultdict(list)
    for truth in filter(_in_period, month.truth):
        for key in PERFORMANCE_KEYS[group_by](truth):
            groups[key].append(truth)
    with connect(layout) as connection:
        report = performance_report(connection, PERIOD, group_by)
    got = {row.group: row.model_dump() for row in report.groups}
    assert set(got) == set(groups)
    for key, rows in groups.items():
        expected = _expected_performance(rows)
        assert {name: got[key][name] for name in expected} == expected, key


def test_random_selection_and_the_strata_estimate_non_compliance_with_intervals_that_cover_the_truth(
    month: HistoryMonth, layout: StoreLayout
) -> None:
    with connect(layout) as connection:
        total = performance_report(connection, PERIOD, PerformanceGroup.LANE).total
    in_period = list(filter(_in_period, month.truth))
    assert total.records == len(in_period)
    # Random selection draws from the declarations that would have been green: it estimates their non-compliance.
    would_be_green = [t for t in in_period if t.lane == "green" or t.random_selection]
    green_truth = sum(t.non_compliant for t in would_be_green) / len(would_be_green)
    assert total.random_inspections > 300
    assert total.random_hit_rate_low is not None
    assert total.random_hit_rate_high is not None
    assert total.random_hit_rate_low <= green_truth <= total.random_hit_rate_high
    assert (total.random_hit_rate_low, total.random_hit_rate_high) == pytest.approx(
        wilson_interval(total.random_hits, total.random_inspections)
    )
    # With the inspected yellow and risk-selected red strata, the estimate is of all declarations.
    overall_truth = sum(t.non_compliant for t in in_period) / len(in_period)
    assert total.non_compliance_low is not None
    assert total.non_compliance_high is not None
    assert total.non_compliance_low <= overall_truth <= total.non_compliance_high
    assert total.non_compliance_low <= TRUE_NON_COMPLIANCE <= total.non_compliance_high
    strata = []
    for members in (
        would_be_green,
        [t for t in in_period if t.lane == "yellow"],
        [t for t in in_period if t.lane == "red" and not t.random_selection],
    ):
        sampled = [t for t in members if t.inspected and (t.random_selection or t.lane != "green")]
        strata.append((len(members), len(sampled), sum(t.hit for t in sampled)))
    assert (total.non_compliance_estimate, total.non_compliance_low, total.non_compliance_high) == pytest.approx(
        stratified_estimate(strata)
    )
    # Risk selection finds more than chance, and lift says by how much.
    assert total.targeted_hit_rate is not None
    assert total.random_hit_rate is not None
    assert total.targeting_lift == pytest.approx(total.targeted_hit_rate / total.random_hit_rate)
    assert total.targeting_lift > 2


def test_wilson_interval_matches_the_textbook_values() -> None:
    # 8 of 100: Wilson 95% (Newcombe 1998, method 3) is 0.0411 .. 0.1500.
    low, high = wilson_interval(8, 100) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.0411, 0.1500)
    assert wilson_interval(0, 0) is None


def _durations(truth: Truth) -> dict[str, float]:
    moments = {**truth.moments, "decided": truth.decided_at}
    hours = {}
    for stage, (start, end) in STAGES.items():
        if start in moments and end in moments and moments[end] >= moments[start]:
            hours[stage] = (moments[end] - moments[start]).total_seconds() / 3600
    return hours


TIME_RELEASE_KEYS: dict[TimeReleaseGroup, Callable[[Truth], list[str]]] = {
    TimeReleaseGroup.LANE: lambda t: [t.lane],
    TimeReleaseGroup.OFFICE: lambda t: [t.office_id],
    TimeReleaseGroup.TRANSPORT_MODE: lambda t: [t.transport_mode],
    TimeReleaseGroup.AGENCY: lambda t: list(t.agencies) or ["customs"],
    TimeReleaseGroup.WEEK: lambda t: [t.moments["arrival"].strftime("%G-W%V")],
}


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _arrived_in_period(month: HistoryMonth) -> Iterator[Truth]:
    return (t for t in month.truth if PERIOD.start <= t.moments["arrival"] < PERIOD.end)


@pytest.mark.parametrize("group_by", list(TIME_RELEASE_KEYS))
def test_time_release_per_group_and_stage_equals_the_ground_truth(
    month: HistoryMonth, layout: StoreLayout, group_by: TimeReleaseGroup
) -> None:
    groups: dict[str, list[Truth]] = defaultdict(list)
    for truth in _arrived_in_period(month):
        for key in TIME_RELEASE_KEYS[group_by](truth):
            groups[key].append(truth)
    with connect(layout) as connection:
        report = time_release_report(connection, PERIOD, group_by, TARGET_HOURS)
    got = {row.group: row for row in report.groups}
    assert set(got) == set(groups)
    for key, rows in groups.items():
        row = got[key]
        durations = [_durations(t) for t in rows]
        assert row.declarations == len(rows)
        end_to_end = [d["end_to_end"] for d in durations]
        assert row.released == len(end_to_end)
        assert row.released_within_target == sum(hours <= TARGET_HOURS for hours in end_to_end)
        shares = {}
        for figures in row.stages:
            values = [d[figures.stage] for d in durations if figures.stage in d]
            assert figures.count == len(values), (key, figures.stage)
            if not values:
                assert figures.mean_hours is None
                continue
            assert figures.mean_hours == pytest.approx(statistics.fmean(values), rel=1e-6)
            assert figures.median_hours == pytest.approx(statistics.median(values), rel=1e-6)
            assert figures.p90_hours == pytest.approx(_quantile(values, 0.9), rel=1e-6)
            both = [d for d in durations if figures.stage in d and "end_to_end" in d]
            share = sum(d[figures.stage] for d in both) / sum(d["end_to_end"] for d in durations if "end_to_end" in d)
            assert figures.share_of_total == pytest.approx(share, rel=1e-6)
            shares[figures.stage] = share
        contributing = {s: v for s, v in shares.items() if s not in ("end_to_end", "decision_to_release")}
        assert row.largest_stage == max(contributing, key=contributing.__getitem__)


def test_time_release_total_counts_each_declaration_once_whatever_the_grouping(
    month: HistoryMonth, layout: StoreLayout
) -> None:
    with connect(layout) as connection:
        by_agency = time_release_report(connection, PERIOD, TimeReleaseGroup.AGENCY, TARGET_HOURS)
    assert by_agency.total.declarations == sum(1 for _ in _arrived_in_period(month))
    assert by_agency.total.share_within_target is not None
    assert 0 < by_agency.total.share_within_target < 1


def test_reports_over_an_empty_store_answer_zeros_not_errors(tmp_path: Path) -> None:
    empty = StoreLayout(tmp_path / "store", tmp_path / "personal")
    with connect(empty) as connection:
        performance = performance_report(connection, PERIOD, PerformanceGroup.RULE)
        release = time_release_report(connection, PERIOD, TimeReleaseGroup.AGENCY, TARGET_HOURS)
    assert performance.groups == []
    assert performance.total.records == 0
    assert performance.total.random_hit_rate is None
    assert release.groups == []
    assert release.total.declarations == 0
    assert release.total.largest_stage is None
