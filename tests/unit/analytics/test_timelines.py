"""The clearance timelines' pre-aggregate changes no figure of the time-release report: built over part of the
events with the rest written after it, after a compaction merged files it had read, and over every event."""

from datetime import date
from pathlib import Path

import pytest

from portcullis.analytics.reports.period import Period
from portcullis.analytics.reports.time_release import TimeReleaseGroup, TimeReleaseReport, time_release_report
from portcullis.analytics.store import timelines
from portcullis.analytics.store.datasets import CLEARANCE_EVENTS
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import generate_history
from tests.unit.analytics.history_records import FakeRecord, month_records

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
GROUPS = [TimeReleaseGroup.LANE, TimeReleaseGroup.AGENCY, TimeReleaseGroup.WEEK]


@pytest.fixture(scope="module")
def records() -> list[FakeRecord]:
    return month_records(generate_history(declarations=1500, seed=8))


def _store(folder: Path, records: list[FakeRecord]) -> StoreLayout:
    layout = StoreLayout(folder / "store", folder / "personal")
    sink = HistorySink(layout, KafkaSettings())
    for start in range(0, len(records), 1000):
        assert sink.write(records[start : start + 1000]) == []  # type: ignore[arg-type]
    return layout


def _reports(layout: StoreLayout) -> dict[TimeReleaseGroup, object]:
    """Each grouping's report, its figures rounded (sums in another order differ in the last digits)."""
    with connect(layout) as connection:
        return {group: _rounded(time_release_report(connection, PERIOD, group, 24.0)) for group in GROUPS}


def _rounded(report: TimeReleaseReport) -> object:
    def walk(value: object) -> object:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(report.model_dump())


def test_reports_with_the_pre_aggregate_equal_those_from_the_events_alone(
    records: list[FakeRecord], tmp_path: Path
) -> None:
    layout = _store(tmp_path, records[: len(records) // 2])
    assert timelines.build(layout) > 0
    sink = HistorySink(layout, KafkaSettings())
    rest = records[len(records) // 2 :]
    for start in range(0, len(rest), 1000):  # events of timelines the pre-aggregate holds half of
        assert sink.write(rest[start : start + 1000]) == []  # type: ignore[arg-type]
    expected = _reports(_store(tmp_path / "plain", records))
    assert expected[TimeReleaseGroup.LANE]["total"]["released"] > 500  # type: ignore[index]

    assert _reports(layout) == expected  # pre-aggregate of half, the other half pivoted by the report
    for day in {path.parent.name.removeprefix("day=") for path in layout.files(CLEARANCE_EVENTS)}:
        layout.compact(CLEARANCE_EVENTS, date.fromisoformat(day))
    assert _reports(layout) == expected  # files it read merged into new ones: their events counted once
    timelines.build(layout)
    with connect(layout) as connection:
        state = connection.execute("SELECT folded, unfolded FROM timelines_state").fetchone()
    assert state == (True, False)
    assert _reports(layout) == expected  # every event in the pre-aggregate


def test_a_store_without_clearance_events_builds_an_empty_pre_aggregate(tmp_path: Path) -> None:
    layout = StoreLayout(tmp_path / "store", tmp_path / "personal")
    assert timelines.build(layout) == 0
    assert _reports(layout)[TimeReleaseGroup.LANE]["total"]["declarations"] == 0  # type: ignore[index]
