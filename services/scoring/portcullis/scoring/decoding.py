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
            items.append(schema.model_validate_json(record.value))
        except ValidationError as exc:
            reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(exc.errors()))
            dead.append(DeadLetter(record, reason, error))
            continue
        received.append(datetime.fromtimestamp(record.timestamp / 1000, UTC))
    return items, received, dead
