"""Decode-and-dead-letter: a batch of records into valid items of one schema, and dead letters naming the fields of
the rest. Every consumer of a stream or of decisions reads its records through here."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from portcullis.shared.http import field_errors
from portcullis.shared.kafka.consumer import DeadLetter, Record

Item = TypeVar("Item", bound=BaseModel)


@dataclass(slots=True)
class DecodedBatch(Generic[Item]):
    """The valid items of a batch with their records and broker timestamps (in order), and the dead letters."""

    items: list[Item] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    received: list[datetime] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


def decode_batch(records: Sequence[Record], schema: type[Item], error: str) -> DecodedBatch[Item]:
    """Validate each record's JSON against `schema`; an empty record, an invalid one (reason: each bad field,
    header `error`) or one whose timestamp is no time becomes a dead letter, never a skip."""
    decoded: DecodedBatch[Item] = DecodedBatch()
    for record in records:
        if record.value is None:
            decoded.dead.append(DeadLetter(record, "empty message (no value)", "empty"))
            continue
        try:
            item = schema.model_validate_json(record.value)
        except ValidationError as exc:
            reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(exc.errors()))
            decoded.dead.append(DeadLetter(record, reason, error))
            continue
        try:
            # A producer that goes around ingest may set any timestamp; some are no time at all.
            received_at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            reason = f"record timestamp {record.timestamp} is not a time"
            decoded.dead.append(DeadLetter(record, reason, "invalid_timestamp"))
            continue
        decoded.items.append(item)
        decoded.records.append(record)
        decoded.received.append(received_at)
    return decoded
