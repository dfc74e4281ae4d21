"""Synthetic inspection outcomes: every red and most yellow declarations inspected, findings as the data set's labels
say, reports the gateway accepts, and the same seed giving the same outcomes."""

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.schemas.outcome import InspectionOutcome
from portcullis.shared.synthetic import simulate_lanes
from portcullis.shared.synthetic.outcomes import (
    Decided,
    Outcomes,
    declaration_labels,
    generate_outcomes,
    write_outcome_truth_csv,
)
from tests.conftest import REPO

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def labelled() -> tuple[list[Declaration], dict[str, tuple[bool, bool]]]:
    data = read_items_csv(REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv", require_labels=True)
    assert data.fraud is not None
    labels = declaration_labels([str(key) for key in data.items["declaration_id"]], data.fraud, data.critical)
    return list(items_to_declarations(data.items))[:3000], labels


@pytest.fixture(scope="module")
def decided(labelled: tuple[list[Declaration], dict[str, tuple[bool, bool]]]) -> dict[str, Decided]:
    declarations, _ = labelled
    lanes = simulate_lanes(declarations, seed=4, red_rate=0.1, yellow_rate=0.2)
    return {key: Decided(lane, NOW - timedelta(days=3)) for key, lane in lanes.items()}


@pytest.fixture(scope="module")
def generated(
    labelled: tuple[list[Declaration], dict[str, tuple[bool, bool]]], decided: dict[str, Decided]
) -> Outcomes:
    declarations, labels = labelled
    return generate_outcomes(declarations, labels, decided, {}, seed=9, now=NOW)


def test_red_are_all_inspected_yellow_mostly_green_never(generated: Outcomes, decided: dict[str, Decided]) -> None:
    inspected = {row.declaration_id for row in generated.truth}
    red = {key for key, value in decided.items() if value.lane == Lane.RED}
    yellow = {key for key, value in decided.items() if value.lane == Lane.YELLOW}
    assert red
    assert red <= inspected
    assert 0.7 < len(yellow & inspected) / len(yellow) < 0.9
    assert inspected <= red | yellow


def test_findings_are_the_labels_and_the_reports_are_valid_outcomes(
    generated: Outcomes, labelled: tuple[list[Declaration], dict[str, tuple[bool, bool]]]
) -> None:
    _, labels = labelled
    truth = {row.declaration_id: row for row in generated.truth}
    assert any(row.non_compliant for row in generated.truth)
    assert any(not row.non_compliant for row in generated.truth)
    for declaration_id, body in generated.reports:
        outcome = InspectionOutcome.model_validate(body)
        non_compliant, critical = labels[declaration_id]
        assert outcome.irregularity_found == non_compliant == truth[declaration_id].non_compliant
        assert (outcome.seizure is not None) == (non_compliant and critical)
        assert outcome.revenue_recovered == truth[declaration_id].revenue
        assert outcome.inspected_at <= NOW


def test_the_same_seed_gives_the_same_outcomes_and_the_truth_is_written(
    generated: Outcomes,
    labelled: tuple[list[Declaration], dict[str, tuple[bool, bool]]],
    decided: dict[str, Decided],
    tmp_path: Path,
) -> None:
    declarations, labels = labelled
    assert generate_outcomes(declarations, labels, decided, {}, seed=9, now=NOW) == generated
    assert generate_outcomes(declarations, labels, decided, {}, seed=10, now=NOW) != generated
    path = tmp_path / "truth.csv"
    assert write_outcome_truth_csv(generated.truth, path, "-r1") == len(generated.truth)
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["declaration_id"] == f"{generated.truth[0].declaration_id}-r1"
    assert sum(int(row["non_compliant"]) for row in rows) == sum(row.non_compliant for row in generated.truth)
