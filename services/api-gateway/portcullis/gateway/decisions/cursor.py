"""Opaque page cursors: the sort, the last item's sort key and id, and a digest of the filters."""

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson

from portcullis.gateway.decisions.schemas import DecisionSort


class CursorError(ValueError):
    """The cursor is malformed, or belongs to another sort or other filters."""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the key of its last item (decided_at or score) and its id."""

    sort: DecisionSort
    key: datetime | float
    id: int


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def encode_cursor(cursor: Cursor, fingerprint: str) -> str:
    """The cursor as URL-safe text."""
    key = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    payload = orjson.dumps([cursor.sort.value, key, cursor.id, _digest(fingerprint)])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(text: str, sort: DecisionSort, fingerprint: str) -> Cursor:
    """Read a cursor made by encode_cursor for this sort and these filters, or raise CursorError."""
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        sort_value, key, row_id, digest = raw
        cursor_sort = DecisionSort(sort_value)
        parsed_key: datetime | float = datetime.fromisoformat(key) if cursor_sort.key == "decided_at" else float(key)
        if not isinstance(row_id, int) or (isinstance(parsed_key, datetime) and parsed_key.tzinfo is None):
            raise CursorError("not a cursor of this API")
    except (ValueError, TypeError, orjson.JSONDecodeError) as error:
        raise CursorError("not a cursor of this API") from error
    if cursor_sort != sort:
        raise CursorError(f"the cursor belongs to sort={cursor_sort.value}")
    if digest != _digest(fingerprint):
        raise CursorError("the cursor belongs to other filters; repeat the filters of the first page")
    return Cursor(cursor_sort, parsed_key, row_id)
