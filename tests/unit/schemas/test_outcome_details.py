"""Outcome details: seizures, inspection minutes and correction reasons validated; old outcome messages stay valid."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from portcullis.shared.schemas.outcome import InspectionOutcome, OutcomeEvent

INSPECTED_AT = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
SEIZURE = {
    "commodity": "cigarettes",
    "quantity": "120",
    "unit": "cartons",
    "value": "5400000.00",
    "currency": "KRW",
    "concealment_method": "hidden_compartment",
}
REPORT: dict[str, object] = {
    "inspected": True,
    "irregularity_found": True,
    "severity": "critical",
    "officer_id": "OFF-1042",
    "inspected_at": INSPECTED_AT,
    "seizure": SEIZURE,
    "inspection_minutes": 95,
}


def _errors(document: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        InspectionOutcome.model_validate(document)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in raised.value.errors()}


def test_a_report_with_a_seizure_and_minutes_is_valid() -> None:
    outcome = InspectionOutcome.model_validate(REPORT)
    assert outcome.seizure is not None
    assert (outcome.seizure.quantity, outcome.seizure.value) == (Decimal(120), Decimal("5400000.00"))
    assert outcome.inspection_minutes == 95
    assert outcome.correction_reason is None


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        ({"seizure": SEIZURE | {"value": "-1"}}, "seizure.value", "greater than or equal to 0"),
        ({"seizure": SEIZURE | {"quantity": "0"}}, "seizure.quantity", "greater than 0"),
        ({"seizure": SEIZURE | {"currency": "KRX"}}, "seizure.currency", "unknown ISO 4217"),
        ({"seizure": SEIZURE | {"currency": None}}, "seizure.currency", "required when value is above 0"),
        ({"seizure": SEIZURE | {"unit": "bags of"}}, "seizure.unit", "kg"),
        ({"seizure": SEIZURE | {"concealment_method": "magic"}}, "seizure.concealment_method", "hidden_compartment"),
        ({"seizure": SEIZURE | {"commodity": ""}}, "seizure.commodity", "at least 1"),
        ({"seizure": SEIZURE | {"colour": "red"}}, "seizure.colour", "Extra inputs"),
        (
            {"irregularity_found": False, "severity": "none"},
            "seizure",
            "can only follow an irregularity found",
        ),
        ({"inspection_minutes": -5}, "inspection_minutes", "greater than or equal to 0"),
        ({"inspection_minutes": 7 * 24 * 60 + 1}, "inspection_minutes", "less than or equal to"),
        (
            {"inspected": False, "irregularity_found": False, "severity": "none", "seizure": None},
            "inspection_minutes",
            "only an inspection takes minutes",
        ),
        ({"correction_reason": ""}, "correction_reason", "at least 1"),
        ({"correction_reason": "x" * 501}, "correction_reason", "at most 500"),
        ({"currency": "XYZ", "revenue_recovered": "10"}, "currency", "unknown ISO 4217"),
    ],
)
def test_a_bad_detail_is_named_with_its_reason(changes: dict[str, object], field: str, reason_part: str) -> None:
    errors = _errors(REPORT | changes)
    assert field in errors, errors
    assert reason_part in errors[field]


def test_a_seizure_without_a_value_needs_no_currency() -> None:
    outcome = InspectionOutcome.model_validate(REPORT | {"seizure": SEIZURE | {"value": "0", "currency": None}})
    assert outcome.seizure is not None
    assert outcome.seizure.currency is None


def test_an_outcome_message_of_the_previous_release_is_still_valid_as_version_1() -> None:
    old = {
        "inspected": True,
        "irregularity_found": False,
        "severity": "none",
        "revenue_recovered": "0.00",
        "currency": None,
        "officer_id": "OFF-1",
        "notes": None,
        "inspected_at": INSPECTED_AT,
        "stream": "declaration",
        "subject_id": "97061800",
        "lane": "red",
        "score": 0.9,
        "model_version": "dm-1",
        "random_selection": False,
        "decided_at": INSPECTED_AT,
        "recorded_at": INSPECTED_AT,
    }
    event = OutcomeEvent.model_validate(old)
    assert (event.version, event.seizure, event.inspection_minutes, event.correction_reason) == (1, None, None, None)
