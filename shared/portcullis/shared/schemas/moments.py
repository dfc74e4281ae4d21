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
    """Now + MAX_AHEAD, and the year of now, computed at most once a second: every time of every record is checked
    against them."""

    def __init__(self) -> None:
        self._latest = EARLIEST
        self._year = EARLIEST.year
        self._until = 0.0

    def _refresh(self) -> None:
        now = time.time()
        if now >= self._until:
            today = datetime.fromtimestamp(now, UTC)
            self._latest, self._year = today + MAX_AHEAD, today.year
            self._until = now + 1.0

    def latest(self) -> datetime:
        self._refresh()
        return self._latest

    def year(self) -> int:
        """The year (UTC) of the now that `latest` was computed from."""
        self._refresh()
        return self._year


_HORIZON = _Horizon()


def _surely_inside(moment: datetime) -> bool:
    """Whether the time's own fields show it inside the window, whatever its offset (less than a day either way): a
    year after EARLIEST's, and before this year's December (now + MAX_AHEAD lies past this year's end). Comparing a
    parsed time with the bounds converts its zone, which costs more than the rest of decoding a declaration's times."""
    year = moment.year
    this_year = _HORIZON.year()
    return EARLIEST.year < year and (year < this_year or (year == this_year and moment.month < 12))


def _recorded(moment: datetime) -> datetime:
    if _surely_inside(moment):
        return moment
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
