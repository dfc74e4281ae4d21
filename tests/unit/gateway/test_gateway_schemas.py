"""Outcome reports name the field that is wrong; statistics percentiles match PostgreSQL's percentile_cont."""

from typing import Any

import pytest
from pydantic import ValidationError

from portcullis.gateway.statistics.service import percentile
from portcullis.shared.schemas.outcome import InspectionOutcome, Severity

VALID: dict[str, Any] = {
    "inspected": True,
    "irregularity_found": True,
    "severity": "minor",
    "revenue_recovered": "10.50",
    "currency": "EUR",
    "officer_id": "OFF-1",
    "inspected_at": "2026-11-25T10:00:00+01:00",
}


@pytest.mark.parametrize(("code", "severity"), [(1, Severity.MINOR), (2, Severity.CRITICAL)])
def test_the_data_sets_critical_fraud_codes_read_as_severities(code: int, severity: Severity) -> None:
    assert InspectionOutcome.model_validate(VALID | {"severity": code}).severity == severity


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inspected": False}, "irregularity_found"),
        ({"irregularity_found": False, "revenue_recovered": 0}, "severity"),
        ({"severity": "none"}, "severity"),
        ({"severity": 7}, "severity"),
        ({"severity": True}, "severity"),
        ({"currency": None}, "currency"),
        ({"revenue_recovered": "1.001"}, "revenue_recovered"),
        ({"notes": "n" * 2001}, "notes"),
        ({"inspected_at": "2999-01-01T00:00:00Z"}, "inspected_at"),
    ],
)
def test_an_inconsistent_report_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        InspectionOutcome.model_validate(VALID | change)
    assert field in [str(error["loc"][0]) for error in raised.value.errors()]


def test_a_report_without_a_finding_needs_nothing_else() -> None:
    report = InspectionOutcome.model_validate(
        {"inspected": False, "irregularity_found": False, "officer_id": "OFF-1", "inspected_at": "2026-11-25T10:00Z"}
    )
    assert report.severity == Severity.NONE
    assert report.revenue_recovered == 0


def test_percentiles_interpolate_between_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.95) == pytest.approx(4.0 + 0.8 * 6.0)
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([], 0.5) is None
