"""Decoding a batch of records into a stream's items: valid ones with their broker timestamps and content digests,
the rest dead letters (the platform's `decode_batch`).

Scoring is lenient where ingest is strict (the schema evolution policy, `docs/streams.md`): a record whose only
faults are fields this scoring does not know (written by a newer ingest during a rolling update) is decoded without
them and counted, not dead-lettered. Every other fault still makes a dead letter.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from portcullis.scoring.amendments import content_digest
from portcullis.scoring.metrics import UNKNOWN_FIELDS_IGNORED
from portcullis.shared.kafka import DeadLetter, Record
from portcullis.shared.kafka.decoding import decode_batch

Item = TypeVar("Item", bound=BaseModel)


def decode_records(
    records: Sequence[Record], schema: type[Item], error: str
) -> tuple[list[Item], list[datetime], list[str], list[DeadLetter]]:
    """Valid items, when ingest accepted each (record timestamps) and their content digests; dead letters
    (reason, `error`) for the rest.

    The digest is `amendments.content_digest` of the record's bytes (a fifth of the cost of serialising the item
    again to hash it).
    """
    ignored = UNKNOWN_FIELDS_IGNORED.labels(schema.__name__)
    decoded = decode_batch(records, schema, error, unknown_fields_ignored=ignored.inc)
    digests = [content_digest(record.value or b"") for record in decoded.records]
    return decoded.items, decoded.received, digests, decoded.dead
