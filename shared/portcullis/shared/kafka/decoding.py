"""Decode-and-dead-letter: a batch of records into valid items of one schema, and dead letters naming the fields of
the rest. Every consumer of a stream or of decisions reads its records through here."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

import orjson
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


def decode_batch(
    records: Sequence[Record],
    schema: type[Item],
    error: str,
    unknown_fields_ignored: Callable[[int], None] | None = None,
) -> DecodedBatch[Item]:
    """Validate each record's JSON against `schema`; an empty record, an invalid one (reason: each bad field,
    header `error`) or one whose timestamp is no time becomes a dead letter, never a skip.

    With `unknown_fields_ignored` the decoding is lenient where ingest is strict (the schema evolution policy,
    `docs/streams.md`): a record whose only faults are fields `schema` does not know (written by a newer producer
    during a rolling update) is decoded without them, and the callback gets how many were dropped."""
    decoded: DecodedBatch[Item] = DecodedBatch()
    for record in records:
        if record.value is None:
            decoded.dead.append(DeadLetter(record, "empty message (no value)", "empty"))
            continue
        try:
            item = schema.model_validate_json(record.value)
        except ValidationError as exc:
            known = _without_unknown_fields(record.value, schema, exc) if unknown_fields_ignored else None
            if unknown_fields_ignored is None or known is None:
                reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(exc.errors()))
                decoded.dead.append(DeadLetter(record, reason, error))
                continue
            item, dropped = known
            unknown_fields_ignored(dropped)
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


def _without_unknown_fields(value: bytes, schema: type[Item], error: ValidationError) -> tuple[Item, int] | None:
    """The item decoded without the fields `schema` does not know, and how many, when those are its only faults."""
    problems = error.errors()
    if any(problem["type"] != "extra_forbidden" for problem in problems):
        return None
    document = orjson.loads(value)
    for problem in problems:
        *path, name = problem["loc"]
        container = document
        for part in path:
            container = container[part]
        container.pop(name, None)
    try:
        return schema.model_validate(document), len(problems)
    except ValidationError:
        return None
