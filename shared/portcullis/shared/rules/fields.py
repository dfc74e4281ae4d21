"""The fields rules can test, per stream, with their type (which decides the operators) and level."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portcullis.shared.schemas.decision import Stream


class FieldType(StrEnum):
    """How a field's values compare."""

    CODE = "code"  # codes and ids: equality, lists, prefixes (HS chapter `93`)
    COUNTRY = "country"  # ISO 3166-1 alpha-2: equality and lists, values checked against the code list
    NUMBER = "number"  # quantities and amounts: comparisons and ranges


#: Which operators each type accepts.
OPERATORS: dict[FieldType, frozenset[str]] = {
    FieldType.CODE: frozenset({"eq", "ne", "in", "not_in", "prefix"}),
    FieldType.COUNTRY: frozenset({"eq", "ne", "in", "not_in"}),
    FieldType.NUMBER: frozenset({"eq", "ne", "lt", "le", "gt", "ge", "between", "in", "not_in"}),
}

#: Reads a field from a subject (the declaration) and one of its items (None for header fields).
Getter = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FieldSpec:
    """A testable field: name, type, whether it is per item, and how to read it."""

    name: str
    type: FieldType
    item_level: bool
    description: str
    get: Getter
    attribute: str | None = None  # set when the field is a plain attribute of the subject or item


def _header(name: str, field_type: FieldType, description: str) -> FieldSpec:
    return FieldSpec(name, field_type, False, description, lambda subject, _item: getattr(subject, name), name)


def _item(name: str, field_type: FieldType, description: str) -> FieldSpec:
    return FieldSpec(name, field_type, True, description, lambda _subject, item: getattr(item, name), name)


def _value_per_kg(_subject: Any, item: Any) -> float:
    return float(item.item_price / item.net_mass_kg) if item.net_mass_kg > 0 else float("inf")


_DECLARATION_FIELDS = [
    _header("office_id", FieldType.CODE, "Customs office of lodgement"),
    _header("process_type", FieldType.CODE, "Clearance process type"),
    _header("import_type", FieldType.CODE, "Import type code"),
    _header("import_use", FieldType.CODE, "Intended use of the goods"),
    _header("payment_type", FieldType.CODE, "Duty payment method"),
    _header("transport_mode", FieldType.CODE, "Mode of transport at the border"),
    _header("declarant_id", FieldType.CODE, "Declarant (customs broker) id"),
    _header("importer_id", FieldType.CODE, "Importer id"),
    _header("seller_id", FieldType.CODE, "Seller id"),
    _header("courier_id", FieldType.CODE, "Express courier id (empty when none)"),
    FieldSpec(
        "item_count", FieldType.NUMBER, False, "Number of goods items", lambda subject, _item: len(subject.items)
    ),
    _item("hs6_code", FieldType.CODE, "HS subheading, six digits (prefix `93` = chapter 93)"),
    _item("origin_country", FieldType.COUNTRY, "Country of origin"),
    _item("departure_country", FieldType.COUNTRY, "Country of departure"),
    _item("origin_indicator", FieldType.CODE, "How origin is evidenced"),
    _item("tax_type", FieldType.CODE, "Duty regime code"),
    _item("tax_rate", FieldType.NUMBER, "Duty rate in percent"),
    _item("net_mass_kg", FieldType.NUMBER, "Net mass in kilograms"),
    _item("item_price", FieldType.NUMBER, "Declared customs value of the item"),
    FieldSpec("value_per_kg", FieldType.NUMBER, True, "Declared value per kilogram", _value_per_kg),
]

#: Field catalogue per stream; passenger and container fields join here when those streams get rules.
STREAM_FIELDS: dict[Stream, dict[str, FieldSpec]] = {
    Stream.DECLARATION: {spec.name: spec for spec in _DECLARATION_FIELDS},
    Stream.PASSENGER: {},
    Stream.CONTAINER: {},
}
