"""Opaque page cursors: the sort, the last item's sort key and id, and a digest of the filters, signed (HMAC).

The signature keeps clients from forging a cursor (any key, any id, another filter's digest): the gateway only
reads back what it wrote. Every replica must share the key (PORTCULLIS_GATEWAY_CURSOR_SECRET).
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from portcullis.gateway.decisions.schemas import DecisionSort

SIGNATURE_BYTES = 16


class CursorError(ValueError):
    """The cursor is malformed, forged, or belongs to another sort or other filters."""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the key of its last item (decided_at or score) and its id."""

    sort: DecisionSort
    key: datetime | float
    id: int


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def _signature(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(cursor: Cursor, fingerprint: str, secret: bytes) -> str:
    """The cursor as URL-safe text, signed with `secret`."""
    key = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    payload = orjson.dumps([cursor.sort.value, key, cursor.id, _digest(fingerprint)])
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def decode_cursor(text: str, sort: DecisionSort, fingerprint: str, secret: bytes) -> Cursor:
    """Read a cursor made by encode_cursor with this secret for this sort and these filters, or raise CursorError."""
    encoded, _, signature = text.partition(".")
    try:
        payload, presented = _unb64(encoded), _unb64(signature)
    except ValueError as error:
        raise CursorError("not a cursor of this API") from error
    if not hmac.compare_digest(presented, _signature(secret, payload)):
        raise CursorError("not a cursor of this API (altered, or signed with another key)")
    try:
        sort_value, key, row_id, digest = orjson.loads(payload)
        cursor_sort = DecisionSort(sort_value)
        parsed_key: datetime | float = datetime.fromisoformat(key) if cursor_sort.key == "decided_at" else float(key)
        if not isinstance(row_id, int) or (isinstance(parsed_key, datetime) and parsed_key.tzinfo is None):
            raise CursorError("not a cursor of this API")
        if isinstance(parsed_key, datetime):
            parsed_key.astimezone(UTC)  # a time the store can compare with
    except (ValueError, TypeError, OverflowError, orjson.JSONDecodeError) as error:
        raise CursorError("not a cursor of this API") from error
    if cursor_sort != sort:
        raise CursorError(f"the cursor belongs to sort={cursor_sort.value}")
    if digest != _digest(fingerprint):
        raise CursorError("the cursor belongs to other filters; repeat the filters of the first page")
    return Cursor(cursor_sort, parsed_key, row_id)
