"""Times outside the window customs data can have are refused, naming the field and why (finding 1 of issue #16)."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as datetime_timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from portcullis.shared.http import field_errors
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.outcome import InspectionOutcome
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import RuleSpec


def example(schema: type[BaseModel]) -> dict[str, Any]:
    return dict(schema.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]


RULE = {"name": "n", "reason": "r", "condition": {"field": "office_id", "op": "eq", "value": "30"}}
FIELDS = [
    (Declaration, example(Declaration), "submitted_at"),
    (ContainerEvent, example(ContainerEvent), "event_time"),
    (PassengerRecord, example(PassengerRecord), "scheduled_departure"),
    (InspectionOutcome, example(InspectionOutcome), "inspected_at"),
    (RuleSpec, RULE, "valid_from"),
]


def refusal(schema: type[BaseModel], document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as error:
        schema.model_validate(document)
    return [(e.field, e.reason) for e in field_errors(error.value.errors())]


@pytest.mark.parametrize(("schema", "document", "field"), FIELDS)
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59Z"])
def test_a_time_before_2000_is_refused_naming_the_field(
    schema: type[BaseModel], document: dict[str, Any], field: str, moment: str
) -> None:
    [(named, reason)] = refusal(schema, {**document, field: moment})
    assert named == field
    assert "2000-01-01" in reason


@pytest.mark.parametrize(("schema", "document", "field"), FIELDS[:3])
def test_a_time_more_than_a_year_ahead_is_refused_naming_the_field(
    schema: type[BaseModel], document: dict[str, Any], field: str
) -> None:
    [(named, reason)] = refusal(schema, {**document, field: "9999-12-31T23:59:59-14:00"})
    assert (named, reason) == (field, "lies more than 366 days in the future")


def test_the_window_edges_are_accepted_and_convert_to_utc() -> None:
    earliest = "2000-01-01T09:00:00+09:00"  # 2000-01-01T00:00Z
    declaration = Declaration.model_validate({**example(Declaration), "submitted_at": earliest})
    assert declaration.submitted_at.astimezone(UTC) == datetime(2000, 1, 1, tzinfo=UTC)
    ahead = (datetime.now(UTC) + timedelta(days=365)).astimezone().isoformat()
    event = ContainerEvent.model_validate({**example(ContainerEvent), "event_time": ahead})
    assert event.event_time.astimezone(UTC) > datetime.now(UTC)


def test_a_validity_window_ends_by_2100() -> None:
    [(named, reason)] = refusal(RuleSpec, {**RULE, "valid_to": "9999-12-31T23:59:59-14:00"})
    assert named == "valid_to"
    assert "2100-01-01" in reason


def _moments_near_the_edges() -> list[datetime]:
    """Times on either side of the window's edges and of this year's end, written with far offsets either way."""
    now = datetime.now(UTC)
    utc_times = [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2000, 12, 31, 12, tzinfo=UTC),
        datetime(2001, 1, 1, tzinfo=UTC),
        datetime(now.year, 11, 30, 23, 59, tzinfo=UTC),
        datetime(now.year, 12, 31, 23, 59, tzinfo=UTC),
        datetime(now.year + 1, 1, 1, 12, tzinfo=UTC),
        now + timedelta(days=366, minutes=-5),
        now + timedelta(days=366, minutes=5),
    ]
    offsets = [timedelta(hours=hours, minutes=minutes) for hours, minutes in ((-23, -59), (-12, 0), (14, 0), (23, 59))]
    return [
        (moment + shift).astimezone(timezone)
        for moment in utc_times
        for shift in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1))
        for timezone in (datetime_timezone(offset) for offset in offsets)
    ]


def test_times_near_the_edges_are_accepted_exactly_when_inside_the_window() -> None:
    latest = datetime.now(UTC) + timedelta(days=366)
    for moment in _moments_near_the_edges():
        document = {**example(Declaration), "submitted_at": moment.isoformat()}
        inside = datetime(2000, 1, 1, tzinfo=UTC) <= moment <= latest - timedelta(seconds=30)
        outside = moment < datetime(2000, 1, 1, tzinfo=UTC) or moment > latest + timedelta(seconds=30)
        if inside:
            assert Declaration.model_validate(document).submitted_at == moment, moment.isoformat()
        elif outside:
            with pytest.raises(ValidationError):
                Declaration.model_validate(document)
