"""Watchlist entries as analysts write them: check digits, country codes, dates, actions; the topic wire format."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from portcullis.shared.schemas.watchlist import (
    EntryDocument,
    EntrySpec,
    RuleDocument,
    decode_document,
    encode_document,
    to_screening_entry,
    topic_key,
)

ENTRY = TypeAdapter(EntrySpec)
COMMON = {"list_name": "National list", "reason": "test"}


def entry(**fields: Any) -> Any:
    return ENTRY.validate_python({**COMMON, **fields})


def error_fields(fields: dict[str, Any]) -> list[tuple[str, ...]]:
    with pytest.raises(ValidationError) as error:
        entry(**fields)
    return [tuple(str(p) for p in e["loc"][1:]) for e in error.value.errors()]


def test_vessel_imo_numbers_need_a_right_check_digit_and_are_normalised() -> None:
    assert entry(kind="vessel", name="Ocean Star", imo_number="IMO 9074729").imo_number == "9074729"
    assert error_fields({"kind": "vessel", "name": "Ocean Star", "imo_number": "9074728"}) == [("imo_number",)]


def test_container_numbers_follow_iso_6346() -> None:
    assert entry(kind="container", container_number="CSQU 305438-3").container_number == "CSQU3054383"
    assert error_fields({"kind": "container", "container_number": "CSQU3054384"}) == [("container_number",)]


def test_countries_must_be_iso_codes_and_dates_real() -> None:
    person = entry(kind="person", name="A Person", nationalities=["ir", "XK"], birth_dates=["1970-02-01"])
    assert person.nationalities == ["IR", "XK"]
    assert error_fields({"kind": "person", "name": "A", "nationalities": ["QQ"]}) == [("nationalities", "0")]
    assert error_fields({"kind": "person", "name": "A", "birth_dates": ["1970-02-30"]}) == [("birth_dates", "0")]
    assert error_fields({"kind": "person", "name": "A", "birth_dates": ["2999-01-01"]}) == [()]


def test_an_entry_forces_a_lane_or_adds_a_score_within_its_validity_window() -> None:
    assert entry(kind="trader", role="importer", trader_id="QLRUBN9").action.lane == "red"
    added = entry(kind="trader", role="seller", trader_id="S1", action={"score": 0.25})
    assert added.action.score == 0.25
    assert error_fields({"kind": "trader", "role": "buyer", "trader_id": "S1"}) == [("role",)]
    assert error_fields({"kind": "trader", "role": "seller", "trader_id": "S1", "action": {"lane": "green"}}) == [
        ("action", "lane")
    ]
    window = {"valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z"}
    assert error_fields({"kind": "trader", "role": "seller", "trader_id": "S1", **window}) == [()]
    listed = entry(kind="trader", role="seller", trader_id="S1", valid_to="2026-01-01T00:00:00Z")
    assert listed.in_force(datetime(2025, 12, 31, tzinfo=UTC))
    assert not listed.in_force(datetime(2026, 1, 1, tzinfo=UTC))


def test_documents_round_trip_through_the_topic_with_stable_keys() -> None:
    document = EntryDocument(
        id="wl-1",
        version=3,
        changed_by="analyst",
        changed_at=datetime(2026, 1, 1, tzinfo=UTC),
        entry=entry(kind="vessel", name="Ocean Star", imo_number="9074729", flag="PA"),
    )
    assert topic_key(document) == b"entry:wl-1"
    assert decode_document(encode_document(document)) == document
    rule = RuleDocument.model_validate(
        {
            "id": "R-1",
            "version": 1,
            "deleted": True,
            "changed_by": "analyst",
            "changed_at": "2026-01-01T00:00:00Z",
            "rule": {"name": "r", "reason": "r", "condition": {"field": "office_id", "op": "eq", "value": "30"}},
        }
    )
    assert topic_key(rule) == b"rule:R-1"
    assert decode_document(encode_document(rule)) == rule


def test_the_screening_view_carries_names_and_identifiers_but_not_trader_ids() -> None:
    vessel = EntryDocument(
        id="wl-2",
        version=1,
        changed_by="a",
        changed_at=datetime(2026, 1, 1, tzinfo=UTC),
        entry=entry(kind="vessel", name="Ocean Star", aliases=["Star of the Ocean"], imo_number="9074729", flag="PA"),
    )
    screening = to_screening_entry(vessel)
    assert screening is not None
    assert screening.names == ("Ocean Star", "Star of the Ocean")
    assert screening.imo_number == "9074729"
    assert screening.nationalities == ("PA",)
    trader = vessel.model_copy(update={"entry": entry(kind="trader", role="importer", trader_id="X1")})
    assert to_screening_entry(trader) is None
