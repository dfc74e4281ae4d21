"""Decoding a batch of records into a stream's items: valid ones with their broker timestamps and content digests,
the rest dead letters."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from portcullis.scoring.amendments import content_digest
from portcullis.shared.http import field_errors
from portcullis.shared.kafka import DeadLetter, Record

Item = TypeVar("Item", bound=BaseModel)


def decode_records(
    records: Sequence[Record], schema: type[Item], error: str
) -> tuple[list[Item], list[datetime], list[str], list[DeadLetter]]:
    """Valid items, when ingest accepted each (record timestamps) and their content digests; dead letters
    (reason, `error`) for the rest.

    The digest is `amendments.content_digest` of the record's bytes (a fifth of the cost of serialising the item
    again to hash it).
    """
    items: list[Item] = []
    received: list[datetime] = []
    digests: list[str] = []
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
        digests.append(content_digest(record.value))
    return items, received, digests, dead
