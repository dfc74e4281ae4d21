"""Times a record may carry: with an offset, inside a window that customs data can have, so always convertible to UTC.

`0001-01-01T00:00:00+14:00` is a valid ISO 8601 time, but it lies before the first instant Python can represent
in UTC; converting it (features, the decision store) raises. Nothing a port system, carrier or terminal sends
happened before 2000, and advance data comes days or months ahead, never years: the window refuses both.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

#: The earliest time a record may carry.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: How far ahead of now a time may lie (passenger bookings and pre-lodged declarations come ahead of the fact).
MAX_AHEAD = timedelta(days=366)
#: The latest a rule's or list entry's validity window may reach (a later end is an open one: give none).
LATEST_VALIDITY = datetime(2100, 1, 1, tzinfo=UTC)


class _Horizon:
    """Now + MAX_AHEAD, computed at most once a second: every time of every record is checked against it."""

    def __init__(self) -> None:
        self._latest = EARLIEST
        self._until = 0.0

    def latest(self) -> datetime:
        now = time.time()
        if now >= self._until:
            self._latest = datetime.fromtimestamp(now, UTC) + MAX_AHEAD
            self._until = now + 1.0
        return self._latest


_HORIZON = _Horizon()


def _recorded(moment: datetime) -> datetime:
    # Comparing aware times never overflows (converting them to UTC can): check the window first.
    if moment < EARLIEST:
        raise ValueError(f"lies before {EARLIEST:%Y-%m-%d}: no record is that old")
    if moment > _HORIZON.latest():
        raise ValueError(f"lies more than {MAX_AHEAD.days} days in the future")
    return moment


def _validity_bound(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST_VALIDITY:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST_VALIDITY:%Y-%m-%d} (or be null: open)")
    return moment


#: When something happened or is scheduled: 2000-01-01 UTC at the earliest, at most 366 days ahead of now.
RecordedTime = Annotated[AwareDatetime, AfterValidator(_recorded)]
#: A bound of a validity window: 2000-01-01 to 2100-01-01 UTC.
ValidityBound = Annotated[AwareDatetime, AfterValidator(_validity_bound)]
