"""Decoding a batch of records into a stream's items: valid ones with their broker timestamps, the rest dead letters."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from portcullis.shared.http import field_errors
from portcullis.shared.kafka import DeadLetter, Record

Item = TypeVar("Item", bound=BaseModel)


def decode_records(
    records: Sequence[Record], schema: type[Item], error: str
) -> tuple[list[Item], list[datetime], list[DeadLetter]]:
    """Valid items and when ingest accepted each (record timestamps); dead letters (reason, `error`) for the rest."""
    items: list[Item] = []
    received: list[datetime] = []
    dead: list[DeadLetter] = []
    for record in records:
        if record.value is None:
            dead.append(DeadLetter(record, "empty message (no value)", "empty"))
            continue
        try:
            item = schema.model_validate_json(record.value)
        except ValidationError as exc:
            reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(exc.errors()))
            dead.append(DeadLetter(record, reason, error))
            continue
        try:
            # A producer that goes around ingest may set any timestamp; some are no time at all.
            received_at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            dead.append(DeadLetter(record, f"record timestamp {record.timestamp} is not a time", "invalid_timestamp"))
            continue
        items.append(item)
        received.append(received_at)
    return items, received, dead
