"""Declaration version 2: parties, transport and goods details, optional and validated when present; version 1
stays valid and travels as the same bytes.

The full example is the one `docs/wco-data-model.md` shows, so the documentation cannot drift from the schema.
"""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.declaration_parts import MAX_CONTAINERS, MAX_ITEM_DOCUMENTS, MAX_PARTIES
from portcullis.shared.screening.identifiers import container_check_digit, imo_check_digit

DOC = Path(__file__).resolve().parents[3] / "docs" / "wco-data-model.md"
V1_EXAMPLE: dict[str, Any] = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _documented_example() -> dict[str, Any]:
    blocks = re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/wco-data-model.md shows one full declaration"
    example: dict[str, Any] = json.loads(blocks[0])
    return example


FULL = _documented_example()


def _with(path: str, value: Any) -> dict[str, Any]:
    """The full example with the value at a dotted path (`items.0.currency`) replaced."""
    document = copy.deepcopy(FULL)
    *parents, last = path.split(".")
    target: Any = document
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return document


def _errors(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        Declaration.model_validate(document)
    return {".".join(str(part) for part in error["loc"]): error["msg"] for error in raised.value.errors()}


def test_the_documented_full_declaration_is_valid_and_uses_every_field() -> None:
    declaration = Declaration.model_validate(FULL)
    assert declaration.parties is not None
    assert declaration.transport is not None
    assert {party.role for party in declaration.parties} == {
        "exporter", "consignor", "importer", "consignee", "declarant", "carrier", "notify"
    }  # fmt: skip
    assert declaration.transport.container_numbers == ["CSQU3054383", "MSCU1234566"]
    item = declaration.items[0]
    assert (item.currency, item.quantity_unit, item.procedure_code) == ("USD", "NAR", "4000")
    assert item.documents is not None
    assert item.documents[0].type == "N380"
    written = set(json.loads(declaration.model_dump_json())) | set(
        json.loads(declaration.model_dump_json())["items"][0]
    )
    assert written >= set(Declaration.model_fields) | set(type(item).model_fields)


def test_a_version_1_declaration_stays_valid_and_is_written_as_before() -> None:
    declaration = Declaration.model_validate(V1_EXAMPLE)
    assert declaration.parties is None
    assert declaration.transport is None
    assert declaration.items[0].currency is None
    # No key of version 2 is written: an older reader sees exactly the fields it knows.
    assert json.loads(declaration.model_dump_json()) == V1_EXAMPLE


def test_codes_are_normalised() -> None:
    document = _with("transport.vessel_imo", "IMO 9074729")
    document["transport"]["port_of_loading"] = "cn ngb"
    document["transport"]["container_numbers"] = ["csqu 305438-3"]
    document["items"][0]["currency"] = "usd"
    document["items"][0]["quantity_unit"] = "nar"
    document["parties"][0]["country"] = "cn"
    declaration = Declaration.model_validate(document)
    assert declaration.transport is not None
    assert declaration.parties is not None
    transport, item = declaration.transport, declaration.items[0]
    assert (transport.vessel_imo, transport.port_of_loading, transport.container_numbers) == (
        "9074729", "CNNGB", ["CSQU3054383"]
    )  # fmt: skip
    assert (item.currency, item.quantity_unit, declaration.parties[0].country) == ("USD", "NAR", "CN")


def _wrong_digit(first: str, right: int) -> str:
    return first + str((right + 1) % 10)


@pytest.mark.parametrize(
    ("path", "value", "field", "reason_part"),
    [
        ("parties.0.role", "smuggler", "parties.0.role", "exporter"),
        ("parties.0.name", "", "parties.0.name", "at least 1"),
        ("parties.0.name", "A" * 201, "parties.0.name", "at most 200"),
        ("parties.0.name", "Acme\x00Ltd", "parties.0.name", "control characters"),
        ("parties.0.name", "Müller\x85GmbH", "parties.0.name", "control characters"),
        ("parties.0.address", "Straße 1\ue000", "parties.0.address", "control characters"),
        ("parties.0.address", "x" * 301, "parties.0.address", "at most 300"),
        ("parties.0.country", "XX", "parties.0.country", "unknown ISO 3166-1"),
        ("parties.0.party_id", "CN 91/33", "parties.0.party_id", "pattern"),
        ("parties", [FULL["parties"][0]] * (MAX_PARTIES + 1), "parties", f"at most {MAX_PARTIES}"),
        ("transport.vessel_imo", _wrong_digit("907472", imo_check_digit("907472")), "transport.vessel_imo", "check"),
        ("transport.vessel_imo", "12345", "transport.vessel_imo", "IMO ship number"),
        ("transport.vessel_name", "V" * 101, "transport.vessel_name", "at most 100"),
        ("transport.voyage", "045 W", "transport.voyage", "pattern"),
        ("transport.flight_number", "LH 400", "transport.flight_number", "pattern"),
        ("transport.port_of_loading", "XXQQQ", "transport.port_of_loading", "unknown UN/LOCODE"),
        ("transport.port_of_discharge", "Rotterdam", "transport.port_of_discharge", "not a UN/LOCODE"),
        ("transport.transport_document", "B/L 1234", "transport.transport_document", "pattern"),
        (
            "transport.container_numbers",
            ["CSQU3054383", _wrong_digit("MSCU123456", container_check_digit("MSCU123456"))],
            "transport.container_numbers.1",
            "check digit",
        ),
        ("transport.container_numbers", ["CSQX3054383"], "transport.container_numbers.0", "ISO 6346"),
        ("transport.container_numbers", ["CSQU3054383"] * 2, "transport.container_numbers", "listed twice"),
        ("transport.color", "red", "transport.color", "Extra inputs"),
        ("items.0.description", "d" * 513, "items.0.description", "at most 512"),
        ("items.0.description", "shirts\x1b[31m", "items.0.description", "control characters"),
        ("items.0.quantity", -1, "items.0.quantity", "greater than or equal to 0"),
        ("items.0.quantity_unit", "kilogram", "items.0.quantity_unit", "pattern"),
        ("items.0.quantity_unit", None, "items.0.quantity_unit", "required with a quantity"),
        ("items.0.gross_mass_kg", 100.0, "items.0.gross_mass_kg", "below the net mass"),
        ("items.0.gross_mass_kg", float("inf"), "items.0.gross_mass_kg", "finite"),
        ("items.0.packages", 1.5, "items.0.packages", "integer"),
        ("items.0.packages", -1, "items.0.packages", "greater than or equal to 0"),
        ("items.0.invoice_amount", -5, "items.0.invoice_amount", "greater than or equal to 0"),
        ("items.0.currency", "XYZ", "items.0.currency", "unknown ISO 4217"),
        ("items.0.currency", None, "items.0.currency", "required with an invoice amount"),
        ("items.0.procedure_code", "40", "items.0.procedure_code", "pattern"),
        ("items.0.documents.0.type", "N-380", "items.0.documents.0.type", "pattern"),
        ("items.0.documents.0.reference", "r" * 71, "items.0.documents.0.reference", "at most 70"),
        (
            "items.0.documents",
            [{"type": "N380", "reference": "x"}] * (MAX_ITEM_DOCUMENTS + 1),
            "items.0.documents",
            f"at most {MAX_ITEM_DOCUMENTS}",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(path: str, value: Any, field: str, reason_part: str) -> None:
    errors = _errors(_with(path, value))
    assert field in errors, errors
    assert reason_part in errors[field]


def test_containers_are_limited_in_number() -> None:
    numbers = []
    for serial in range(MAX_CONTAINERS + 1):
        first_ten = f"MSCU{serial:06d}"
        numbers.append(f"{first_ten}{container_check_digit(first_ten)}")
    errors = _errors(_with("transport.container_numbers", numbers))
    assert f"at most {MAX_CONTAINERS}" in errors["transport.container_numbers"]
    assert Declaration.model_validate(_with("transport.container_numbers", numbers[:MAX_CONTAINERS]))


def test_optional_parts_may_be_partial() -> None:
    """A party with a name and role only, an air shipment with a flight and no vessel, an item with a currency and
    no amount: each is valid."""
    document = copy.deepcopy(V1_EXAMPLE)
    document["parties"] = [{"role": "consignor", "name": "شركة النور للتجارة"}]
    document["transport"] = {"flight_number": "LH400", "transport_document": "020-12345675"}
    document["items"] = [{**V1_EXAMPLE["items"][0], "currency": "KRW", "description": "Sawn oak"}]
    declaration = Declaration.model_validate(document)
    assert declaration.transport is not None
    assert declaration.transport.container_numbers == []
