"""The passenger record wire format: real airports, dates that are dates, clean document numbers."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from portcullis.shared.schemas.passenger import PassengerRecord

EXAMPLE: dict[str, object] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _with(**changes: object) -> dict[str, object]:
    document = copy.deepcopy(EXAMPLE)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__")
            document[outer][inner] = value  # type: ignore[index]
        else:
            document[key] = value
    return document


def _errors(document: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        PassengerRecord.model_validate(document)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in raised.value.errors()}


def test_the_documented_example_is_valid_and_keeps_unicode_names() -> None:
    record = PassengerRecord.model_validate(EXAMPLE)
    assert record.surname == "Müller-Lüdenscheidt"
    assert not record.document_expired_on_arrival


@pytest.mark.parametrize(
    "surname", ["Al-Zawahiri", "O\u2019Brien", "Nguyễn", "Ζαχαρίου", "Александров", "محمد", "王", "D'Souza"]
)
def test_names_of_any_script_are_accepted(surname: str) -> None:
    assert PassengerRecord.model_validate(_with(surname=surname)).surname == surname


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        ({"departure_airport": "QQQ"}, "departure_airport", "unknown IATA airport code"),
        ({"itinerary": ["FRA", "XYZ", "JFK"]}, "itinerary.1", "unknown IATA airport code"),
        ({"arrival_airport": "LHR"}, "itinerary", "departure_airport followed by arrival_airport"),
        ({"document__expiry_date": "30/05/2031"}, "document.expiry_date", "YYYY-MM-DD"),
        ({"document__expiry_date": "2031-02-30"}, "document.expiry_date", "date"),
        ({"document__expiry_date": 1967000000}, "document.expiry_date", "YYYY-MM-DD"),
        ({"document__number": "C01-X00/T47"}, "document.number", "capital letters and digits"),
        ({"document__issuing_country": "XX"}, "document.issuing_country", "country code"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "years ago"),
        ({"scheduled_arrival": "2026-03-01T09:00:00+01:00"}, "scheduled_arrival", "after scheduled_departure"),
        ({"scheduled_departure": "2026-03-01T10:55:00"}, "scheduled_departure", "timezone"),
        ({"surname": "Smith2"}, "surname", "letters (any script)"),
        ({"sex": "male"}, "sex", "'M', 'F', 'X' or 'U'"),
        ({"booking_reference": "X7K9Q"}, "booking_reference", "pattern"),
        ({"carrier": "LHX"}, "carrier", "pattern"),
        ({"checked_bags": -1}, "checked_bags", "greater than or equal"),
        ({"frequent_flyer": "123"}, "frequent_flyer", "Extra inputs"),
    ],
)
def test_impossible_records_are_refused_naming_the_field(
    changes: dict[str, object], field: str, reason_part: str
) -> None:
    errors = _errors(_with(**changes))
    assert field in errors, errors
    assert reason_part in errors[field]


def test_a_document_expired_before_arrival_is_valid_and_flagged() -> None:
    record = PassengerRecord.model_validate(_with(document__expiry_date="2026-02-28"))
    assert record.document_expired_on_arrival


def test_codes_are_normalised_to_upper_case() -> None:
    record = PassengerRecord.model_validate(_with(departure_airport="fra", itinerary=["fra", "jfk"]))
    assert record.departure_airport == "FRA"
    assert record.itinerary == ["FRA", "JFK"]


def test_a_record_survives_the_wire_unchanged() -> None:
    record = PassengerRecord.model_validate(EXAMPLE)
    assert PassengerRecord.model_validate_json(record.model_dump_json()) == record


def test_records_are_frozen() -> None:
    record = PassengerRecord.model_validate(EXAMPLE)
    with pytest.raises(ValidationError):
        record.surname = "Other"  # type: ignore[misc]


def test_a_traveller_born_today_is_plausible() -> None:
    today = datetime.now(UTC).date()
    arrival = datetime.now(UTC) + timedelta(hours=9)
    record = PassengerRecord.model_validate(
        _with(
            date_of_birth=today.isoformat(),
            scheduled_departure=(arrival - timedelta(hours=8)).isoformat(),
            scheduled_arrival=arrival.isoformat(),
        )
    )
    assert record.date_of_birth == today
