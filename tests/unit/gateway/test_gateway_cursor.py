"""Page cursors: opaque, bound to their sort and filters, refused when tampered with."""

from datetime import UTC, datetime

import pytest

from portcullis.gateway.decisions.cursor import Cursor, CursorError, decode_cursor, encode_cursor
from portcullis.gateway.decisions.schemas import DecisionFilter, DecisionSort
from portcullis.shared.schemas import Lane, Stream

FILTER = DecisionFilter(stream=Stream.DECLARATION, lanes=(Lane.RED,), office_id="30")


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor(DecisionSort.DECIDED_AT_DESC, datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC), 42),
        Cursor(DecisionSort.SCORE_ASC, 0.1 + 0.2, 7),
    ],
)
def test_a_cursor_reads_back_exactly(cursor: Cursor) -> None:
    text = encode_cursor(cursor, FILTER.fingerprint())
    assert text.isascii()
    assert "=" not in text
    assert decode_cursor(text, cursor.sort, FILTER.fingerprint()) == cursor


def test_a_cursor_is_refused_with_another_sort_or_other_filters() -> None:
    text = encode_cursor(Cursor(DecisionSort.SCORE_DESC, 0.5, 1), FILTER.fingerprint())
    with pytest.raises(CursorError, match="sort=score_desc"):
        decode_cursor(text, DecisionSort.SCORE_ASC, FILTER.fingerprint())
    other = DecisionFilter(stream=Stream.DECLARATION, lanes=(Lane.RED,), office_id="31")
    with pytest.raises(CursorError, match="other filters"):
        decode_cursor(text, DecisionSort.SCORE_DESC, other.fingerprint())


@pytest.mark.parametrize("text", ["", "abc", "W10", "WyJzY29yZV9kZXNjIiwgMC41XQ", "!!!"])
def test_garbage_is_not_a_cursor(text: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(text, DecisionSort.SCORE_DESC, FILTER.fingerprint())


def test_lane_order_does_not_change_the_filter() -> None:
    first = DecisionFilter(lanes=(Lane.RED, Lane.YELLOW))
    second = DecisionFilter(lanes=(Lane.YELLOW, Lane.RED))
    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != DecisionFilter(lanes=(Lane.RED,)).fingerprint()
