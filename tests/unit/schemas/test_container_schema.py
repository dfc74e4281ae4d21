"""The container event wire format: check digits, real UN/LOCODEs, weights that can be weights."""

import copy

import pytest
from pydantic import ValidationError

from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.screening.identifiers import container_check_digit, imo_check_digit

EXAMPLE: dict[str, object] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _with(**changes: object) -> dict[str, object]:
    document = copy.deepcopy(EXAMPLE)
    document.update(changes)
    return document


def _errors(document: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        ContainerEvent.model_validate(document)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in raised.value.errors()}


def test_the_documented_example_is_valid() -> None:
    event = ContainerEvent.model_validate(EXAMPLE)
    assert event.container_number == "CSQU3054383"
    assert event.weight_discrepancy < 0.01
    assert not event.seals_changed


def test_numbers_and_codes_are_normalised() -> None:
    event = ContainerEvent.model_validate(
        _with(container_number="csqu 305438-3", vessel_imo="IMO 9074729", port_of_loading="cn sha")
    )
    assert (event.container_number, event.vessel_imo, event.port_of_loading) == ("CSQU3054383", "9074729", "CNSHA")


def _wrong_digit(first: str, right: int) -> str:
    return first + str((right + 1) % 10)


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        (
            {"container_number": _wrong_digit("CSQU305438", container_check_digit("CSQU305438"))},
            "container_number",
            "check digit",
        ),
        ({"container_number": "CSQX3054383"}, "container_number", "ISO 6346"),
        ({"vessel_imo": _wrong_digit("907472", imo_check_digit("907472"))}, "vessel_imo", "check digit"),
        ({"vessel_imo": "90747"}, "vessel_imo", "IMO ship number"),
        ({"port_of_loading": "XXQQQ"}, "port_of_loading", "unknown UN/LOCODE"),
        ({"port_of_discharge": "Rotterdam"}, "port_of_discharge", "not a UN/LOCODE"),
        ({"transshipment_ports": ["SGSIN", "ZZ999"]}, "transshipment_ports.1", "UN/LOCODE"),
        ({"event_type": "teleported"}, "event_type", "gate-in"),
        ({"event_time": "2026-03-01T06:42:00"}, "event_time", "timezone"),
        ({"hs_codes": ["6109"]}, "hs_codes.0", "pattern"),
        ({"hs_codes": []}, "hs_codes", "at least 1"),
        ({"declared_gross_weight_kg": -5}, "declared_gross_weight_kg", "greater than or equal"),
        ({"verified_gross_mass_kg": 250_000}, "verified_gross_mass_kg", "less than or equal"),
        ({"shipper": {"name": "X", "country": "QQ"}}, "shipper.country", "country code"),
        ({"seal_numbers": ["AB 12"]}, "seal_numbers.0", "pattern"),
        ({"bill_of_lading": "X"}, "bill_of_lading", "Extra inputs"),
    ],
)
def test_impossible_events_are_refused_naming_the_field(
    changes: dict[str, object], field: str, reason_part: str
) -> None:
    errors = _errors(_with(**changes))
    assert field in errors, errors
    assert reason_part in errors[field]


def test_suspicious_but_possible_events_are_valid_and_flagged() -> None:
    event = ContainerEvent.model_validate(
        _with(verified_gross_mass_kg=26000.0, previous_seal_numbers=["CN7654321"], transshipment_ports=["IRBND"])
    )
    assert event.weight_discrepancy > 0.4
    assert event.seals_changed


def test_an_event_survives_the_wire_unchanged() -> None:
    event = ContainerEvent.model_validate(EXAMPLE)
    assert ContainerEvent.model_validate_json(event.model_dump_json()) == event
