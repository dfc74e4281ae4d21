"""The clearance event wire format: the agreed stages and agencies, times that happened, the field named when bad."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from portcullis.shared.schemas.clearance import Agency, ClearanceEvent, ClearanceEventType, TransportMode

EXAMPLE: dict[str, object] = ClearanceEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _with(**changes: object) -> dict[str, object]:
    document = copy.deepcopy(EXAMPLE)
    document.update(changes)
    return document


def _errors(document: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        ClearanceEvent.model_validate(document)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in raised.value.errors()}


def test_the_documented_example_is_valid() -> None:
    event = ClearanceEvent.model_validate(EXAMPLE)
    assert event.event_type == ClearanceEventType.OTHER_AGENCY_HOLD
    assert event.agency == Agency.AGRICULTURE
    assert event.transport_mode == TransportMode.SEA
    assert event.at == datetime(2021, 1, 4, 2, 20, tzinfo=UTC)


def test_the_stages_and_agencies_are_the_agreed_ones() -> None:
    assert [stage.value for stage in ClearanceEventType] == [
        "arrival", "lodged", "documents_requested", "documents_received", "inspection_started",
        "inspection_finished", "duty_paid", "other_agency_hold", "other_agency_release", "released",
    ]  # fmt: skip
    assert {agency.value for agency in Agency} == {"customs", "health", "agriculture", "standards", "police", "other"}
    assert {mode.value for mode in TransportMode} == {"sea", "air", "road", "rail", "post"}


def test_transport_mode_is_optional_and_the_canonical_json_round_trips() -> None:
    document = _with(event_type="released", agency="customs")
    del document["transport_mode"]
    event = ClearanceEvent.model_validate(document)
    assert event.transport_mode is None
    assert ClearanceEvent.model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        ({"event_type": "teleported"}, "event_type", "arrival"),
        ({"agency": "navy"}, "agency", "customs"),
        ({"event_type": "other_agency_release", "agency": "customs"}, "agency", "names that agency"),
        ({"at": "2021-01-04T11:20:00"}, "at", "timezone"),
        ({"at": "1999-12-31T23:00:00Z"}, "at", "before 2000"),
        ({"at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "at", "future"),
        ({"event_id": ""}, "event_id", "pattern"),
        ({"event_id": "x" * 65}, "event_id", "pattern"),
        ({"event_id": "CE\n1"}, "event_id", "pattern"),
        ({"declaration_id": "not an id"}, "declaration_id", "pattern"),
        ({"office_id": "office 30"}, "office_id", "pattern"),
        ({"transport_mode": "pipeline"}, "transport_mode", "sea"),
        ({"unexpected": 1}, "unexpected", "Extra inputs"),
    ],
)
def test_a_bad_field_is_named_with_its_reason(changes: dict[str, object], field: str, reason_part: str) -> None:
    errors = _errors(_with(**changes))
    assert field in errors, errors
    assert reason_part in errors[field]


def test_missing_fields_are_each_named() -> None:
    errors = _errors({"event_id": "CE-1"})
    assert {"declaration_id", "event_type", "at", "office_id", "agency"} <= set(errors)
    assert "transport_mode" not in errors
