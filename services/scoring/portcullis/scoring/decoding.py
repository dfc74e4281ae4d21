"""Decoding a batch of records into a stream's items: valid ones with their broker timestamps and content digests,
the rest dead letters.

Scoring is lenient where ingest is strict (the schema evolution policy, `docs/streams.md`): a record whose only
faults are fields this scoring does not know (written by a newer ingest during a rolling update) is decoded without
them and counted, not dead-lettered. Every other fault still makes a dead letter.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from portcullis.scoring.amendments import content_digest
from portcullis.scoring.metrics import UNKNOWN_FIELDS_IGNORED
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
            known = _without_unknown_fields(record.value, schema, exc)
            if known is not None:
                item = known
            else:
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


def _without_unknown_fields(value: bytes, schema: type[Item], error: ValidationError) -> Item | None:
    """The item decoded without the fields `schema` does not know, when those are the record's only faults."""
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
        item = schema.model_validate(document)
    except ValidationError:
        return None
    UNKNOWN_FIELDS_IGNORED.labels(schema.__name__).inc(len(problems))
    return item
