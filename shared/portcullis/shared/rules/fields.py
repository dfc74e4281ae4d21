"""The fields rules can test, per stream, with their type (which decides the operators) and level.

Declarations have header and item fields. Passenger records and container events have no items; some of their
fields hold several values (`itinerary_airport`, `transshipment_port`, `hs_code`): a test on such a field holds
when it holds for any of the values, and `ne` / `not_in` hold when none of the values is the one(s) named.
Every stream also has `amended_after_selection`: 1 for a subject posted again with other content after scoring
sent it to red or yellow.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from portcullis.shared.reference import airports
from portcullis.shared.schemas.decision import Stream
from portcullis.shared.schemas.watchlist import Comparison


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
    many: bool = False  # the getter returns a tuple of values; a test holds for any of them
    nullable: bool = False  # the getter may return None (no value): then no test on the field holds, `ne` neither


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
    _header("seller_id", FieldType.CODE, "Seller id (empty when none)"),
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


def _fact(name: str, field_type: FieldType, description: str, get: Getter, many: bool = False) -> FieldSpec:
    """A header-level field of a stream without items (passengers, containers), read by `get`."""
    return FieldSpec(name, field_type, False, description, get, many=many)


def _parties(subject: Any, roles: frozenset[str] | None = None) -> tuple[Any, ...]:
    parties = subject.parties or ()
    return tuple(p for p in parties if roles is None or p.role in roles)


def _transport(subject: Any, name: str) -> str:
    transport = subject.transport
    value = getattr(transport, name) if transport is not None else None
    return value or ""


def _item_number(name: str) -> Getter:
    """An optional item quantity: NaN when absent, so no comparison holds for it (and `ne` always does)."""

    def get(_subject: Any, item: Any) -> float:
        value = getattr(item, name)
        return float("nan") if value is None else float(value)

    return get


def _item_code(name: str) -> Getter:
    def get(_subject: Any, item: Any) -> str:
        return getattr(item, name) or ""

    return get


def _description_words(subject: Any, _item: Any) -> tuple[str, ...]:
    words: set[str] = set()
    for item in subject.items:
        if item.description:
            words.update(_WORD.findall(item.description.lower()))
    return tuple(words)


_WORD = re.compile(r"\w+")
_SENDING_ROLES = frozenset({"exporter", "consignor"})
_RECEIVING_ROLES = frozenset({"importer", "consignee", "notify"})

#: Version 2 of the declaration (optional parts; absent parts give no value, "" or NaN).
_DECLARATION_V2_FIELDS = [
    _fact("party_role", FieldType.CODE, "Role of any named party: exporter, consignor, importer, consignee, "
          "declarant, carrier, notify", lambda d, _: tuple(p.role.value for p in _parties(d)), many=True),
    _fact("party_country", FieldType.COUNTRY, "Country of any named party",
          lambda d, _: tuple(p.country for p in _parties(d) if p.country), many=True),
    _fact("sender_country", FieldType.COUNTRY, "Country of the exporter or consignor",
          lambda d, _: tuple(p.country for p in _parties(d, _SENDING_ROLES) if p.country), many=True),
    _fact("receiver_country", FieldType.COUNTRY, "Country of the importer, consignee or notify party",
          lambda d, _: tuple(p.country for p in _parties(d, _RECEIVING_ROLES) if p.country), many=True),
    _fact("party_id", FieldType.CODE, "Trader id (EORI, TIN) of any named party",
          lambda d, _: tuple(p.party_id for p in _parties(d) if p.party_id), many=True),
    _fact("vessel_imo", FieldType.CODE, "IMO number of the vessel (empty when none)",
          lambda d, _: _transport(d, "vessel_imo")),
    _fact("flight_number", FieldType.CODE, "Airline and flight number, e.g. LH400 (empty when none)",
          lambda d, _: _transport(d, "flight_number")),
    _fact("port_of_loading", FieldType.CODE, "UN/LOCODE of the place of loading (prefix `IR` = any Iranian port)",
          lambda d, _: _transport(d, "port_of_loading")),
    _fact("port_of_discharge", FieldType.CODE, "UN/LOCODE of the place of discharge",
          lambda d, _: _transport(d, "port_of_discharge")),
    _fact("container_count", FieldType.NUMBER, "Number of containers the declaration names",
          lambda d, _: float(len(d.transport.container_numbers)) if d.transport is not None else 0.0),
    _fact("container_number", FieldType.CODE, "Any container number (prefix `MSCU` = the owner code)",
          lambda d, _: tuple(d.transport.container_numbers) if d.transport is not None else (), many=True),
    _fact("description_word", FieldType.CODE, "Any word of any item's goods description, in lower case "
          "(`in [\"cocaine\", \"precursor\"]`)", _description_words, many=True),
    FieldSpec("procedure_code", FieldType.CODE, True, "Customs procedure code, e.g. 4000 (prefix `40`)",
              _item_code("procedure_code")),
    FieldSpec("currency", FieldType.CODE, True, "ISO 4217 currency of the invoice amount", _item_code("currency")),
    FieldSpec("quantity_unit", FieldType.CODE, True, "Unit of the quantity (KGM, LTR, NAR ...)",
              _item_code("quantity_unit")),
    FieldSpec("quantity", FieldType.NUMBER, True, "Quantity in the item's unit", _item_number("quantity")),
    FieldSpec("gross_mass_kg", FieldType.NUMBER, True, "Gross mass in kilograms", _item_number("gross_mass_kg")),
    FieldSpec("packages", FieldType.NUMBER, True, "Number of packages", _item_number("packages")),
    FieldSpec("invoice_amount", FieldType.NUMBER, True, "Invoiced amount in the item's currency",
              _item_number("invoice_amount")),
]  # fmt: skip


def _airport_country(code: str) -> str:
    airport = airports().get(code)
    return airport.country if airport is not None else ""


def _age_years(record: Any) -> float:
    """Age in whole years on the day of departure."""
    born, day = record.date_of_birth, record.scheduled_departure.date()
    return float(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))


def route_detour_ratio(codes: "list[str] | tuple[str, ...]") -> float:
    """Distance flown over the itinerary divided by the direct distance from first to last airport (1 = direct)."""
    table = airports()
    legs = [(table.get(a), table.get(b)) for a, b in pairwise(codes)]
    if any(a is None or b is None for a, b in legs) or len(codes) < 2:
        return 1.0
    flown = sum(a.distance_km(b) for a, b in legs if a is not None and b is not None)
    first, last = table[codes[0]], table[codes[-1]]
    return flown / max(first.distance_km(last), 1.0)


def document_validity_days(record: Any) -> float:
    """Days the travel document is still valid on the day of arrival (negative: expired before arrival)."""
    return float((record.document.expiry_date - record.scheduled_arrival.date()).days)


_PASSENGER_FIELDS = [
    _header("carrier", FieldType.CODE, "IATA airline designator, e.g. LH"),
    _fact("flight", FieldType.CODE, "Carrier and flight number, e.g. LH400", lambda r, _: r.carrier + r.flight_number),
    _header("departure_airport", FieldType.CODE, "IATA airport of departure of this flight"),
    _header("arrival_airport", FieldType.CODE, "IATA airport of arrival of this flight"),
    _fact(
        "departure_country",
        FieldType.COUNTRY,
        "Country of the airport of departure",
        lambda r, _: _airport_country(r.departure_airport),
    ),
    _fact(
        "arrival_country",
        FieldType.COUNTRY,
        "Country of the airport of arrival",
        lambda r, _: _airport_country(r.arrival_airport),
    ),
    _fact(
        "itinerary_airport",
        FieldType.CODE,
        "Any airport of the whole itinerary (every leg, first boarding to final destination)",
        lambda r, _: tuple(r.itinerary),
        many=True,
    ),
    _fact(
        "itinerary_country",
        FieldType.COUNTRY,
        "Country of any airport of the itinerary",
        lambda r, _: tuple(_airport_country(code) for code in r.itinerary),
        many=True,
    ),
    _fact("itinerary_legs", FieldType.NUMBER, "Flights in the itinerary", lambda r, _: float(len(r.itinerary) - 1)),
    _fact(
        "route_detour_ratio",
        FieldType.NUMBER,
        "Distance flown over the itinerary divided by the direct distance (1 = direct; 2.5 = a long way round)",
        lambda r, _: route_detour_ratio(r.itinerary),
    ),
    _header("nationality", FieldType.COUNTRY, "Nationality of the traveller"),
    _header("sex", FieldType.CODE, "M, F, X or U as the document states it"),
    _fact("age_years", FieldType.NUMBER, "Age in whole years on the day of departure", lambda r, _: _age_years(r)),
    _fact(
        "document_type", FieldType.CODE, "P passport, I identity card, IP, AC, M, F", lambda r, _: str(r.document.type)
    ),
    _fact(
        "document_issuing_country",
        FieldType.COUNTRY,
        "State that issued the travel document",
        lambda r, _: r.document.issuing_country,
    ),
    _fact(
        "document_validity_days",
        FieldType.NUMBER,
        "Days the document is still valid on the day of arrival; negative when it expired before arrival",
        lambda r, _: document_validity_days(r),
    ),
    _header("checked_bags", FieldType.NUMBER, "Checked bags"),
]


def _route_ports(event: Any) -> tuple[str, ...]:
    return (event.port_of_loading, *event.transshipment_ports, event.port_of_discharge)


_CONTAINER_FIELDS = [
    _fact("event_type", FieldType.CODE, "gate-in, gate-out, loaded, discharged, ...", lambda e, _: str(e.event_type)),
    _header("event_location", FieldType.CODE, "UN/LOCODE where the event happened"),
    _header("container_number", FieldType.CODE, "ISO 6346 number (prefix `MSCU` = the owner code)"),
    _header("size_type", FieldType.CODE, "ISO 6346 size and type code, e.g. 45G1 (prefix `45` = 40 ft high cube)"),
    _header("vessel_imo", FieldType.CODE, "IMO number of the vessel"),
    _header("port_of_loading", FieldType.CODE, "UN/LOCODE of the port of loading"),
    _header("port_of_discharge", FieldType.CODE, "UN/LOCODE of the port of discharge"),
    _fact(
        "transshipment_port",
        FieldType.CODE,
        "Any port of transshipment (UN/LOCODE)",
        lambda e, _: tuple(e.transshipment_ports),
        many=True,
    ),
    _fact(
        "route_port",
        FieldType.CODE,
        "Any port of the route: loading, transshipment or discharge (UN/LOCODE)",
        lambda e, _: _route_ports(e),
        many=True,
    ),
    _fact(
        "route_country",
        FieldType.COUNTRY,
        "Country of any port of the route (the UN/LOCODE's country part)",
        lambda e, _: tuple(code[:2] for code in _route_ports(e)),
        many=True,
    ),
    _fact(
        "transshipment_count",
        FieldType.NUMBER,
        "Number of transshipments",
        lambda e, _: float(len(e.transshipment_ports)),
    ),
    _fact("shipper_country", FieldType.COUNTRY, "Country of the shipper", lambda e, _: e.shipper.country),
    _fact("consignee_country", FieldType.COUNTRY, "Country of the consignee", lambda e, _: e.consignee.country),
    _fact("shipper_id", FieldType.CODE, "Shipper's trader id (empty when none)", lambda e, _: e.shipper.party_id or ""),
    _fact(
        "consignee_id",
        FieldType.CODE,
        "Consignee's trader id, e.g. EORI (empty when none)",
        lambda e, _: e.consignee.party_id or "",
    ),
    _fact(
        "hs_code",
        FieldType.CODE,
        "Any declared HS subheading (prefix `93` = any code of chapter 93)",
        lambda e, _: tuple(e.hs_codes),
        many=True,
    ),
    _header("declared_gross_weight_kg", FieldType.NUMBER, "Gross weight declared by the shipper, kg"),
    _header("verified_gross_mass_kg", FieldType.NUMBER, "SOLAS verified gross mass, kg"),
    _fact(
        "weight_discrepancy_pct",
        FieldType.NUMBER,
        "Difference between verified gross mass and declared gross weight, in percent of the declared weight",
        lambda e, _: 100.0 * e.weight_discrepancy,
    ),
    _fact(
        "seals_changed",
        FieldType.NUMBER,
        "1 when the seals differ from those reported at the previous event, else 0 (`eq 1` or `eq true`)",
        lambda e, _: 1.0 if e.seals_changed else 0.0,
    ),
    _fact("seal_count", FieldType.NUMBER, "Seals on the container", lambda e, _: float(len(e.seal_numbers))),
]


class AmendedSubject:
    """A subject posted again with other content after it was selected (red or yellow); reads as the subject.

    Scoring hands rules this wrapper instead of the subject itself, so `amended_after_selection` costs nothing for
    the other subjects (no field to fill, no copy of the subject).
    """

    __slots__ = ("subject",)

    def __init__(self, subject: Any) -> None:
        self.subject = subject

    def __getattr__(self, name: str) -> Any:
        return getattr(self.subject, name)


def _amended_after_selection(subject: Any, _item: Any) -> float:
    return 1.0 if type(subject) is AmendedSubject else 0.0


_AMENDMENT_FIELD = FieldSpec(
    "amended_after_selection",
    FieldType.NUMBER,
    False,
    "1 when the subject was posted again with other content after it was sent to red or yellow, else 0 "
    "(`eq 1` or `eq true`)",
    _amended_after_selection,
)


class WithMirrorGaps:
    """A declaration with the mirror gap table scoring follows (per origin x HS6); reads as the declaration.

    Scoring hands rules this wrapper only when a rule in force tests a `mirror_*` field, so the other batches read
    the declarations themselves.
    """

    __slots__ = ("mirror_gaps", "subject")

    def __init__(self, subject: Any, mirror_gaps: Mapping[tuple[str, str], Any]) -> None:
        self.subject = subject
        self.mirror_gaps = mirror_gaps

    def __getattr__(self, name: str) -> Any:
        return getattr(self.subject, name)


def _mirror_gap(name: str) -> Getter:
    """A figure of the gap of the item's origin x HS6; None when the pair has none (or no table is known)."""

    def get(subject: Any, item: Any) -> Any:
        gaps = getattr(subject, "mirror_gaps", None)
        gap = gaps.get((item.origin_country, item.hs6_code)) if gaps is not None else None
        return None if gap is None else getattr(gap, name)

    return get


#: Mirror analysis (the analytics service's `mirror-gaps` table): null for a pair without a gap, and then no test
#: on the field holds.
MIRROR_FIELDS = {
    "mirror_unit_value_gap": FieldSpec(
        "mirror_unit_value_gap",
        FieldType.NUMBER,
        True,
        "Mirror analysis: how far the declared US dollars per kg of the item's origin x HS6 fall below what partner "
        "countries report exporting to us (0.4 = 40% below; negative: above); null when the pair has no gap",
        _mirror_gap("unit_value_gap"),
        nullable=True,
    ),
    "mirror_value_gap_usd": FieldSpec(
        "mirror_value_gap_usd",
        FieldType.NUMBER,
        True,
        "Mirror analysis: partner countries' reported exports of the item's origin x HS6 to us less the declared "
        "value over the same months, US dollars (positive: less declared); null when the pair has no gap",
        _mirror_gap("value_gap_usd"),
        nullable=True,
    ),
}


def mirror_fields_tested(condition: Comparison) -> frozenset[str]:
    """The `mirror_*` fields a rule's condition tests, at any depth of `all`, `any` and `none`."""
    if condition.field is not None:
        return frozenset({condition.field}) & MIRROR_FIELDS.keys()
    parts = condition.all or condition.any or condition.none or []
    return frozenset().union(*(mirror_fields_tested(part) for part in parts))


#: Field catalogue per stream.
STREAM_FIELDS: dict[Stream, dict[str, FieldSpec]] = {
    Stream.DECLARATION: {
        spec.name: spec
        for spec in [*_DECLARATION_FIELDS, *_DECLARATION_V2_FIELDS, *MIRROR_FIELDS.values(), _AMENDMENT_FIELD]
    },
    Stream.PASSENGER: {spec.name: spec for spec in [*_PASSENGER_FIELDS, _AMENDMENT_FIELD]},
    Stream.CONTAINER: {spec.name: spec for spec in [*_CONTAINER_FIELDS, _AMENDMENT_FIELD]},
}
