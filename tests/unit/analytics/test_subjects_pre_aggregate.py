"""The subjects' pre-aggregate (each subject's latest decision and outcome) changes no figure of the performance
report: built over part of the month with the rest (amendments and corrections of subjects it holds among them)
written after it, after a compaction merged files it had read, and over everything."""

from datetime import date
from pathlib import Path

import orjson
import pytest

from portcullis.analytics.reports.performance import PerformanceGroup, PerformanceReport, performance_report
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store import subjects
from portcullis.analytics.store.datasets import DECISIONS, OUTCOMES
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import generate_history
from tests.unit.analytics.history_records import FakeRecord, month_records

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
WEEK = Period(date(2026, 10, 12), date(2026, 10, 18))
GROUPS = [PerformanceGroup.RULE, PerformanceGroup.OFFICER]


@pytest.fixture(scope="module")
def records() -> list[FakeRecord]:
    return sorted(month_records(generate_history(declarations=1500, seed=8)), key=lambda record: record.timestamp)


def _write(layout: StoreLayout, records: list[FakeRecord]) -> StoreLayout:
    sink = HistorySink(layout, KafkaSettings())
    for start in range(0, len(records), 1000):
        assert sink.write(records[start : start + 1000]) == []  # type: ignore[arg-type]
    return layout


def _store(folder: Path, records: list[FakeRecord]) -> StoreLayout:
    return _write(StoreLayout(folder / "store", folder / "personal"), records)


def _reports(layout: StoreLayout) -> dict[tuple[Period, PerformanceGroup], object]:
    """Each period's and grouping's report, its figures rounded (sums in another order differ in the last digits)."""
    with connect(layout) as connection:
        return {
            (period, group): _rounded(performance_report(connection, period, group))
            for period in (PERIOD, WEEK)
            for group in GROUPS
        }


def _rounded(report: PerformanceReport) -> object:
    def walk(value: object) -> object:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(report.model_dump())


def _later_versions(records: list[FakeRecord], topic: str, earlier: list[FakeRecord]) -> set[str]:
    """Subjects of the earlier records that a later version (amendment, correction) of the topic reaches."""
    held = {orjson.loads(record.value or b"")["subject_id"] for record in earlier if record.topic == topic}
    later = (orjson.loads(record.value or b"") for record in records if record.topic == topic)
    return {message["subject_id"] for message in later if message["version"] > 1} & held


def _later_version_past_half(records: list[FakeRecord], topic: str) -> int:
    return next(
        index
        for index, record in enumerate(records)
        if index > len(records) // 2 and record.topic == topic and orjson.loads(record.value or b"")["version"] > 1
    )


def _folded(layout: StoreLayout) -> bool:
    with connect(layout) as connection:
        state = connection.execute("SELECT folded FROM subjects_state").fetchone()
    return bool(state and state[0])


def test_reports_with_the_pre_aggregate_equal_those_without(records: list[FakeRecord], tmp_path: Path) -> None:
    # The part the pre-aggregate holds: a prefix of every partition (as the sink gets them), up to an amendment of the
    # decisions and a correction of the outcomes past half of the month; the rest comes after it.
    split = {topic: _later_version_past_half(records, topic) for topic in ("decisions", "outcomes")}
    parts = [index < split.get(record.topic, split["decisions"]) for index, record in enumerate(records)]
    before = [record for record, held in zip(records, parts, strict=True) if held]
    after = [record for record, held in zip(records, parts, strict=True) if not held]
    assert _later_versions(after, "decisions", before)  # amended decisions arrive after the pre-aggregate
    assert _later_versions(after, "outcomes", before)  # and corrected outcomes
    expected = _reports(_store(tmp_path / "plain", records))
    assert not _folded(_store(tmp_path / "unbuilt", []))  # no pre-aggregate: the report reads every row
    total = expected[(PERIOD, PerformanceGroup.RULE)]["total"]  # type: ignore[index]
    assert total["records"] > 1200
    assert total["inspections"] > 100

    layout = _store(tmp_path, before)
    assert subjects.build(layout) > 0
    _write(layout, after)
    assert _folded(layout)
    assert _reports(layout) == expected  # the pre-aggregate of the first part, the rest merged by the report
    for dataset in (DECISIONS, OUTCOMES):
        for day in {path.parent.name.removeprefix("day=") for path in layout.files(dataset)}:
            layout.compact(dataset, date.fromisoformat(day))
    assert _reports(layout) == expected  # files it read merged into new ones: their rows counted once
    subjects.build(layout)
    with connect(layout) as connection:
        fresh = connection.execute(
            "SELECT (SELECT count(*) FROM decisions_unfolded) + (SELECT count(*) FROM outcomes_unfolded)"
        ).fetchone()
    assert fresh == (0,)
    assert _reports(layout) == expected  # every row in the pre-aggregate


def test_a_later_version_decided_earlier_sets_the_pre_aggregate_aside(
    records: list[FakeRecord], tmp_path: Path
) -> None:
    decision = next(record for record in records if record.topic == "decisions")
    message = orjson.loads(decision.value or b"")
    # An amendment whose clock was set back: version 2, decided a day before version 1.
    amended = {**message, "version": 2, "decided_at": "2026-09-20T10:00:00+00:00"}
    back = FakeRecord(
        decision.topic, decision.partition, 10**6, decision.timestamp, decision.key, orjson.dumps(amended)
    )
    layout = _store(tmp_path, [*records[:3000], back])
    expected = _reports(layout)
    subjects.build(layout)
    assert not _folded(layout)
    assert _reports(layout) == expected


def test_an_empty_store_builds_an_empty_pre_aggregate(tmp_path: Path) -> None:
    layout = StoreLayout(tmp_path / "store", tmp_path / "personal")
    assert subjects.build(layout) == 0
    assert _folded(layout)
    assert _reports(layout)[(PERIOD, PerformanceGroup.RULE)]["total"]["records"] == 0  # type: ignore[index]
