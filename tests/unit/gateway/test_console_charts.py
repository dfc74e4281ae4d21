"""The managers' chart form: what it asks the analytics service for, and what it refuses before asking."""

from datetime import UTC, datetime, timedelta

from portcullis.gateway.console.analytics import MAX_CHART_DAYS, chart_query


def test_an_empty_form_asks_for_the_performance_of_the_last_30_days_by_lane() -> None:
    today = datetime.now(UTC).date()
    chosen, problems = chart_query({})
    assert problems == []
    assert chosen == {
        "report": "performance",
        "from": (today - timedelta(days=29)).isoformat(),
        "to": today.isoformat(),
        "group_by": "lane",
    }


def test_a_grouping_of_the_other_report_falls_back_to_this_reports_first() -> None:
    chosen, problems = chart_query(
        {"report": "time-release", "group_by": "rule", "from": "2026-11-01", "to": "2026-11-30"}
    )
    assert problems == []
    assert chosen["group_by"] == "lane"
    chosen, _ = chart_query({"report": "time-release", "group_by": "transport_mode"})
    assert chosen["group_by"] == "transport_mode"


def test_bad_dates_periods_reports_and_groupings_are_refused_with_a_reason() -> None:
    _, problems = chart_query({"from": "yesterday"})
    assert problems == ["from: give a date (YYYY-MM-DD)"]
    _, problems = chart_query({"from": "2026-11-30", "to": "2026-11-01"})
    assert problems == ["to: is before from"]
    _, problems = chart_query(
        {"from": "2024-01-01", "to": (datetime(2024, 1, 1) + timedelta(days=MAX_CHART_DAYS)).date().isoformat()}
    )
    assert problems == [f"to: the period is longer than {MAX_CHART_DAYS} days"]
    _, problems = chart_query({"report": "../v1/history"})
    assert problems == ["report: choose performance or time release"]
    _, problems = chart_query({"group_by": "passport_number"})
    assert problems == ["group by: no grouping 'passport_number'"]
