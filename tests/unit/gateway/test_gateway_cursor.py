"""Page cursors: opaque, signed, bound to their sort and filters, refused when tampered with or forged."""

import base64
from datetime import UTC, datetime

import pytest

from portcullis.gateway.decisions.cursor import Cursor, CursorError, decode_cursor, encode_cursor
from portcullis.gateway.decisions.schemas import DecisionFilter, DecisionSort
from portcullis.shared.schemas import Lane, Stream

FILTER = DecisionFilter(stream=Stream.DECLARATION, lanes=(Lane.RED,), office_id="30")
SECRET = b"cursor-secret-of-the-tests"


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor(DecisionSort.DECIDED_AT_DESC, datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC), 42),
        Cursor(DecisionSort.SCORE_ASC, 0.1 + 0.2, 7),
    ],
)
def test_a_cursor_reads_back_exactly(cursor: Cursor) -> None:
    text = encode_cursor(cursor, FILTER.fingerprint(), SECRET)
    assert text.isascii()
    assert "=" not in text
    assert decode_cursor(text, cursor.sort, FILTER.fingerprint(), SECRET) == cursor


def test_a_cursor_is_refused_with_another_sort_or_other_filters() -> None:
    text = encode_cursor(Cursor(DecisionSort.SCORE_DESC, 0.5, 1), FILTER.fingerprint(), SECRET)
    with pytest.raises(CursorError, match="sort=score_desc"):
        decode_cursor(text, DecisionSort.SCORE_ASC, FILTER.fingerprint(), SECRET)
    other = DecisionFilter(stream=Stream.DECLARATION, lanes=(Lane.RED,), office_id="31")
    with pytest.raises(CursorError, match="other filters"):
        decode_cursor(text, DecisionSort.SCORE_DESC, other.fingerprint(), SECRET)


@pytest.mark.parametrize("text", ["", "abc", "W10", "WyJzY29yZV9kZXNjIiwgMC41XQ", "!!!", "W10.!!", "a.b.c"])
def test_garbage_is_not_a_cursor(text: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(text, DecisionSort.SCORE_DESC, FILTER.fingerprint(), SECRET)


def test_a_forged_or_altered_cursor_is_refused() -> None:
    genuine = encode_cursor(Cursor(DecisionSort.SCORE_DESC, 0.5, 1000), FILTER.fingerprint(), SECRET)
    payload, signature = genuine.split(".")
    # The payload is readable base64 JSON: a client can rewrite the id (or the time, the filters' digest)...
    altered = base64.urlsafe_b64decode(payload + "==").replace(b"1000", b"1")
    forged = base64.urlsafe_b64encode(altered).decode().rstrip("=")
    with pytest.raises(CursorError, match="altered"):
        decode_cursor(f"{forged}.{signature}", DecisionSort.SCORE_DESC, FILTER.fingerprint(), SECRET)
    # ...or keep the payload without the signature, or sign it with a key of its own.
    with pytest.raises(CursorError):
        decode_cursor(payload, DecisionSort.SCORE_DESC, FILTER.fingerprint(), SECRET)
    foreign = encode_cursor(Cursor(DecisionSort.SCORE_DESC, 0.5, 1), FILTER.fingerprint(), b"another key")
    with pytest.raises(CursorError, match="another key"):
        decode_cursor(foreign, DecisionSort.SCORE_DESC, FILTER.fingerprint(), SECRET)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_signed_cursor_with_a_time_outside_utc_is_refused_not_an_error(moment: str) -> None:
    # Only a leaked key could sign one; the gateway still answers 422 rather than fail converting it.
    cursor = Cursor(DecisionSort.DECIDED_AT_DESC, datetime.fromisoformat(moment), 1)
    text = encode_cursor(cursor, FILTER.fingerprint(), SECRET)
    with pytest.raises(CursorError, match="not a cursor"):
        decode_cursor(text, DecisionSort.DECIDED_AT_DESC, FILTER.fingerprint(), SECRET)


def test_lane_order_does_not_change_the_filter() -> None:
    first = DecisionFilter(lanes=(Lane.RED, Lane.YELLOW))
    second = DecisionFilter(lanes=(Lane.YELLOW, Lane.RED))
    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != DecisionFilter(lanes=(Lane.RED,)).fingerprint()
