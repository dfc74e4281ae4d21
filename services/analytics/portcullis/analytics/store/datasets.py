"""The datasets of the history store: which topic feeds each, and the columns read out of each message.

Every row keeps the message as received (`payload`, its JSON) with its Kafka coordinates; the typed columns are
read out of it for queries. Passengers' personal data (names, document numbers, birth dates, booking locator)
goes to a dataset of its own (`passengers_personal`, in its own folder); the `passengers` dataset's payload has
it removed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

TIME = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(18, 2)

#: Columns of every dataset: where the row came from, when the broker received it, and the message itself.
KAFKA_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("kafka_partition", pa.int32()),
    ("kafka_offset", pa.int64()),
    ("kafka_timestamp", TIME),
    ("key", pa.string()),
]
PAYLOAD = ("payload", pa.string())

#: Fields of a passenger record that identify a person: only in the personal dataset.
PERSONAL_FIELDS = ("surname", "given_names", "date_of_birth", "booking_reference", "seat")

Extract = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Column:
    """A typed column and how it is read from a message's JSON."""

    name: str
    type: pa.DataType
    extract: Extract


@dataclass(frozen=True)
class Dataset:
    """A table of the store: its folder name, the logical topic that feeds it, its columns."""

    name: str
    topic: str
    columns: tuple[Column, ...]
    personal: bool = False
    #: What the payload column keeps of the message (None: the message whole).
    payload: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def table(self) -> str:
        """The dataset's table (and folder) name, as logs and metrics give it: never personal data."""
        return self.name

    @property
    def schema(self) -> pa.Schema:
        """The Arrow (and Parquet) schema of the dataset's files."""
        fields = [*KAFKA_COLUMNS, *((column.name, column.type) for column in self.columns), PAYLOAD]
        return pa.schema(fields)


def _field(*path: str) -> Extract:
    def read(message: dict[str, Any]) -> Any:
        value: Any = message
        for name in path:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value

    return read


def _text(*path: str) -> Extract:
    read = _field(*path)

    def text(message: dict[str, Any]) -> str | None:
        value = read(message)
        return None if value is None else str(value)

    return text


def _time(*path: str) -> Extract:
    read = _field(*path)

    def moment(message: dict[str, Any]) -> datetime | None:
        value = read(message)
        if not isinstance(value, str):
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None

    return moment


def _number(*path: str) -> Extract:
    read = _field(*path)

    def number(message: dict[str, Any]) -> float | None:
        value = read(message)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            return float(value)
        except ValueError:
            return None

    return number


def _integer(*path: str, default: int | None = None) -> Extract:
    read = _field(*path)

    def integer(message: dict[str, Any]) -> int | None:
        value = read(message)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    return integer


def _flag(*path: str) -> Extract:
    read = _field(*path)

    def flag(message: dict[str, Any]) -> bool | None:
        value = read(message)
        return value if isinstance(value, bool) else None

    return flag


def _money(*path: str) -> Extract:
    read = _field(*path)

    def money(message: dict[str, Any]) -> Decimal | None:
        value = read(message)
        if value is None or isinstance(value, bool):
            return None
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() and abs(amount) < Decimal(10) ** 16 else None

    return money


def _reason_codes(kind: str) -> Extract:
    def codes(message: dict[str, Any]) -> list[str]:
        reasons = message.get("reasons")
        if not isinstance(reasons, list):
            return []
        found = [
            str(reason["code"])
            for reason in reasons
            if isinstance(reason, dict) and reason.get("kind") == kind and reason.get("code") is not None
        ]
        return sorted(set(found))

    return codes


def _items_value(message: dict[str, Any]) -> float | None:
    items = message.get("items")
    if not isinstance(items, list):
        return None
    prices = [item.get("item_price") for item in items if isinstance(item, dict)]
    return float(sum(price for price in prices if isinstance(price, int | float) and not isinstance(price, bool)))


def _items_count(message: dict[str, Any]) -> int | None:
    items = message.get("items")
    return len(items) if isinstance(items, list) else None


def _without_personal_data(message: dict[str, Any]) -> dict[str, Any]:
    kept = {name: value for name, value in message.items() if name not in PERSONAL_FIELDS}
    document = kept.get("document")
    if isinstance(document, dict):
        kept["document"] = {name: value for name, value in document.items() if name != "number"}
    return kept


DECLARATIONS = Dataset(
    "declarations",
    "declarations",
    (
        Column("declaration_id", pa.string(), _text("declaration_id")),
        Column("submitted_at", TIME, _time("submitted_at")),
        Column("office_id", pa.string(), _text("office_id")),
        Column("transport_mode", pa.string(), _text("transport_mode")),
        Column("importer_id", pa.string(), _text("importer_id")),
        Column("declarant_id", pa.string(), _text("declarant_id")),
        Column("item_count", pa.int32(), _items_count),
        Column("declared_value", pa.float64(), _items_value),
    ),
)
PASSENGERS = Dataset(
    "passengers",
    "passengers",
    (
        Column("record_id", pa.string(), _text("record_id")),
        Column("carrier", pa.string(), _text("carrier")),
        Column("flight_number", pa.string(), _text("flight_number")),
        Column("departure_airport", pa.string(), _text("departure_airport")),
        Column("arrival_airport", pa.string(), _text("arrival_airport")),
        Column("scheduled_arrival", TIME, _time("scheduled_arrival")),
        Column("nationality", pa.string(), _text("nationality")),
        Column("document_type", pa.string(), _text("document", "type")),
        Column("document_issuing_country", pa.string(), _text("document", "issuing_country")),
    ),
    payload=_without_personal_data,
)
PASSENGERS_PERSONAL = Dataset(
    "passengers_personal",
    "passengers",
    (
        Column("record_id", pa.string(), _text("record_id")),
        Column("surname", pa.string(), _text("surname")),
        Column("given_names", pa.string(), _text("given_names")),
        Column("date_of_birth", pa.string(), _text("date_of_birth")),
        Column("document_number", pa.string(), _text("document", "number")),
        Column("booking_reference", pa.string(), _text("booking_reference")),
    ),
    personal=True,
)
CONTAINERS = Dataset(
    "containers",
    "containers",
    (
        Column("event_id", pa.string(), _text("event_id")),
        Column("container_number", pa.string(), _text("container_number")),
        Column("event_type", pa.string(), _text("event_type")),
        Column("event_time", TIME, _time("event_time")),
        Column("event_location", pa.string(), _text("event_location")),
        Column("vessel_imo", pa.string(), _text("vessel_imo")),
        Column("port_of_loading", pa.string(), _text("port_of_loading")),
        Column("port_of_discharge", pa.string(), _text("port_of_discharge")),
    ),
)
DECISIONS = Dataset(
    "decisions",
    "decisions",
    (
        Column("stream", pa.string(), _text("stream")),
        Column("subject_id", pa.string(), _text("subject_id")),
        Column("version", pa.int32(), _integer("version", default=1)),
        Column("lane", pa.string(), _text("lane")),
        Column("score", pa.float64(), _number("score")),
        Column("model_version", pa.string(), _text("model_version")),
        Column("rules_version", pa.string(), _text("rules_version")),
        Column("watchlist_version", pa.string(), _text("watchlist_version")),
        Column("random_selection", pa.bool_(), _flag("random_selection")),
        Column("rule_ids", pa.list_(pa.string()), _reason_codes("rule")),
        Column("watchlist_entries", pa.list_(pa.string()), _reason_codes("watchlist")),
        Column("office_id", pa.string(), _text("attributes", "office_id")),
        Column("submitted_at", TIME, _time("submitted_at")),
        Column("received_at", TIME, _time("received_at")),
        Column("decided_at", TIME, _time("decided_at")),
    ),
)
OUTCOMES = Dataset(
    "outcomes",
    "outcomes",
    (
        Column("stream", pa.string(), _text("stream")),
        Column("subject_id", pa.string(), _text("subject_id")),
        Column("version", pa.int32(), _integer("version", default=1)),
        Column("lane", pa.string(), _text("lane")),
        Column("model_version", pa.string(), _text("model_version")),
        Column("random_selection", pa.bool_(), _flag("random_selection")),
        Column("inspected", pa.bool_(), _flag("inspected")),
        Column("irregularity_found", pa.bool_(), _flag("irregularity_found")),
        Column("severity", pa.string(), _text("severity")),
        Column("revenue_recovered", MONEY, _money("revenue_recovered")),
        Column("currency", pa.string(), _text("currency")),
        Column("officer_id", pa.string(), _text("officer_id")),
        Column("inspection_minutes", pa.int32(), _integer("inspection_minutes")),
        Column("seizure_commodity", pa.string(), _text("seizure", "commodity")),
        Column("seizure_quantity", pa.float64(), _number("seizure", "quantity")),
        Column("seizure_unit", pa.string(), _text("seizure", "unit")),
        Column("seizure_value", MONEY, _money("seizure", "value")),
        Column("seizure_currency", pa.string(), _text("seizure", "currency")),
        Column("concealment_method", pa.string(), _text("seizure", "concealment_method")),
        Column("correction_reason", pa.string(), _text("correction_reason")),
        Column("decided_at", TIME, _time("decided_at")),
        Column("inspected_at", TIME, _time("inspected_at")),
        Column("recorded_at", TIME, _time("recorded_at")),
    ),
)
CLEARANCE_EVENTS = Dataset(
    "clearance_events",
    "clearance-events",
    (
        Column("event_id", pa.string(), _text("event_id")),
        Column("declaration_id", pa.string(), _text("declaration_id")),
        Column("event_type", pa.string(), _text("event_type")),
        Column("at", TIME, _time("at")),
        Column("office_id", pa.string(), _text("office_id")),
        Column("agency", pa.string(), _text("agency")),
        Column("transport_mode", pa.string(), _text("transport_mode")),
    ),
)

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (DECLARATIONS, PASSENGERS, PASSENGERS_PERSONAL, CONTAINERS, DECISIONS, OUTCOMES, CLEARANCE_EVENTS)
}
#: The logical topics the sink consumes, each with the datasets it feeds (personal data first).
TOPIC_DATASETS: dict[str, tuple[Dataset, ...]] = {
    "declarations": (DECLARATIONS,),
    "passengers": (PASSENGERS_PERSONAL, PASSENGERS),
    "containers": (CONTAINERS,),
    "decisions": (DECISIONS,),
    "outcomes": (OUTCOMES,),
    "clearance-events": (CLEARANCE_EVENTS,),
}
