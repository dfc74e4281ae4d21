"""Decoding a batch of records into a stream's items: valid ones with their broker timestamps and content digests,
the rest dead letters (the platform's `decode_batch`)."""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from portcullis.scoring.amendments import content_digest
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
    decoded = decode_batch(records, schema, error)
    digests = [content_digest(record.value or b"") for record in decoded.records]
    return decoded.items, decoded.received, digests, decoded.dead
