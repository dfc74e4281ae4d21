"""Synthetic clearance timelines: consistent with their declarations and lanes, plausible durations, holds only for
controlled goods, a ground truth the events reproduce, and nothing that has not happened yet."""

import csv
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.schemas.clearance import Agency, ClearanceEvent
from portcullis.shared.synthetic import generate_clearance, simulate_lanes, write_clearance_truth_csv
from portcullis.shared.synthetic.clearance import ClearanceTimelines, agencies_concerned, transport_mode_of
from tests.conftest import REPO

HOUR = 3600.0


@pytest.fixture(scope="module")
def declarations() -> list[Declaration]:
    items = read_items_csv(REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv").items
    return list(items_to_declarations(items))[:4000]


@pytest.fixture(scope="module")
def lanes(declarations: list[Declaration]) -> dict[str, Lane]:
    return simulate_lanes(declarations, seed=3, red_rate=0.1, yellow_rate=0.15)


@pytest.fixture(scope="module")
def sample(declarations: list[Declaration], lanes: dict[str, Lane]) -> ClearanceTimelines:
    return generate_clearance(declarations, lanes, seed=3)


def _timelines(sample: ClearanceTimelines) -> dict[str, list[ClearanceEvent]]:
    timelines: dict[str, list[ClearanceEvent]] = defaultdict(list)
    for event in sample.events:
        timelines[event.declaration_id].append(event)
    return timelines


def test_each_timeline_follows_its_declaration_and_its_lane(
    sample: ClearanceTimelines, declarations: list[Declaration], lanes: dict[str, Lane]
) -> None:
    timelines = _timelines(sample)
    assert len(timelines) == len(declarations)
    assert len({event.event_id for event in sample.events}) == len(sample.events)
    for declaration in declarations:
        timeline = timelines[declaration.declaration_id]
        kinds = [event.event_type.value for event in timeline]
        assert [event.at for event in timeline] == sorted(event.at for event in timeline)
        assert (kinds[0], kinds[1], kinds[-1]) == ("arrival", "lodged", "released")
        assert timeline[1].at == declaration.submitted_at
        assert {event.office_id for event in timeline} == {declaration.office_id}
        assert {event.transport_mode for event in timeline} == {transport_mode_of(declaration)}
        lane = lanes[declaration.declaration_id]
        assert ("documents_requested" in kinds) == (lane == Lane.YELLOW)
        assert ("inspection_started" in kinds) == (lane == Lane.RED)
        assert kinds.count("duty_paid") == 1
        released = timeline[-1].at
        for event in timeline:
            if event.event_type.value == "other_agency_release":
                assert event.at < released  # customs releases only after the agency
        for event in timeline:  # the canonical JSON is what ingest accepts
            assert ClearanceEvent.model_validate_json(event.model_dump_json()) == event


def test_holds_come_only_from_agencies_that_control_the_goods(
    sample: ClearanceTimelines, declarations: list[Declaration]
) -> None:
    by_id = {declaration.declaration_id: declaration for declaration in declarations}
    holds = [event for event in sample.events if event.event_type.value == "other_agency_hold"]
    assert holds
    for hold in holds:
        assert hold.agency in agencies_concerned(by_id[hold.declaration_id])
        assert hold.agency != Agency.CUSTOMS
    controlled = [d for d in declarations if Agency.AGRICULTURE in agencies_concerned(d)]
    held = {h.declaration_id for h in holds if h.agency == Agency.AGRICULTURE}
    assert 0.35 < len(held) / len(controlled) < 0.65  # half of them, as configured
    # Declarations of uncontrolled goods (e.g. HS chapters 39, 72, 84) are never held.
    assert all(agencies_concerned(by_id[h.declaration_id]) for h in holds)


def test_stage_durations_are_those_of_each_lane(sample: ClearanceTimelines) -> None:
    hours: dict[tuple[str, Lane], list[float]] = defaultdict(list)
    for row in sample.truth:
        hours[(row.stage, row.lane)].append(row.seconds / HOUR)
    green = statistics.median(hours[("lodged_to_released", Lane.GREEN)])
    yellow = statistics.median(hours[("lodged_to_released", Lane.YELLOW)])
    red = statistics.median(hours[("lodged_to_released", Lane.RED)])
    assert 0.3 < green < 3 < yellow  # green: minutes to hours
    assert 3 < red < 30
    assert 0.75 < statistics.median(hours[("inspection", Lane.RED)]) < 2.5
    assert 3 < statistics.median(hours[("documents", Lane.YELLOW)]) < 12
    assert min(min(values) for values in hours.values()) > 0


def test_the_truth_is_what_the_events_measure(sample: ClearanceTimelines, tmp_path: Path) -> None:
    timelines = _timelines(sample)
    for row in sample.truth:
        timeline = timelines[row.declaration_id]
        if row.stage == "arrival_to_released":
            assert row.seconds == (timeline[-1].at - timeline[0].at).total_seconds()
        if row.stage == "other_agency_hold":
            [release] = [e for e in timeline if e.event_type.value == "other_agency_release" and e.agency == row.agency]
            assert row.ended_at == release.at
    rows = write_clearance_truth_csv(sample.truth, tmp_path / "truth.csv", id_suffix="-r2")
    with (tmp_path / "truth.csv").open(encoding="utf-8") as file:
        read = list(csv.DictReader(file))
    assert len(read) == rows == len(sample.truth)
    assert read[0]["declaration_id"] == sample.truth[0].declaration_id + "-r2"
    assert float(read[0]["seconds"]) == sample.truth[0].seconds


def test_the_same_seed_gives_the_same_timelines_and_unlaned_declarations_are_skipped(
    declarations: list[Declaration], lanes: dict[str, Lane], sample: ClearanceTimelines
) -> None:
    again = generate_clearance(declarations, lanes, seed=3)
    assert again.events == sample.events
    some = dict(list(lanes.items())[:10])
    assert {event.declaration_id for event in generate_clearance(declarations, some).events} == set(some)


def test_events_that_have_not_happened_yet_are_left_out(declarations: list[Declaration]) -> None:
    declaration = declarations[0]
    lodged = declaration.submitted_at
    timelines = generate_clearance([declaration], {declaration.declaration_id: Lane.RED}, until=lodged)
    assert [event.event_type.value for event in timelines.events] == ["arrival", "lodged"]
    assert [row.stage for row in timelines.truth] == ["arrival_to_lodged"]


def test_a_blue_declaration_is_released_like_a_green_one_without_a_check(declarations: list[Declaration]) -> None:
    first = declarations[:200]
    blue = generate_clearance(first, {d.declaration_id: Lane.BLUE for d in first}, seed=5)
    green = generate_clearance(first, {d.declaration_id: Lane.GREEN for d in first}, seed=5)
    assert [(e.event_type, e.at) for e in blue.events] == [(e.event_type, e.at) for e in green.events]
