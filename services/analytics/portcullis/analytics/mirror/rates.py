"""The agency's rate table: US dollars per unit of a currency, per month (or per year when no month is given).

Declared values are converted with it; a month without a rate is reported as such (`missing_rate`) and its
declared value left out, never converted at a guessed rate.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?$")


class RateTableError(ValueError):
    """The rate table cannot be read: names the line and field."""


@dataclass(frozen=True)
class RateTable:
    """USD per unit of `currency`: a month's rate wins over its year's."""

    currency: str
    monthly: dict[str, float] = field(default_factory=dict)  # "YYYY-MM" -> rate
    yearly: dict[str, float] = field(default_factory=dict)  # "YYYY" -> rate

    def usd_per_unit(self, month: str) -> float | None:
        """The rate of a month ("YYYY-MM"), else of its year; None when the table has neither (1.0 for USD)."""
        if self.currency == "USD":
            return 1.0
        return self.monthly.get(month, self.yearly.get(month[:4]))


def parse_rates(text: str, currency: str) -> RateTable:
    """Read `currency,period,usd_per_unit` rows (other currencies' rows are ignored)."""
    table = RateTable(currency)
    reader = csv.DictReader(io.StringIO(text))
    missing = {"currency", "period", "usd_per_unit"} - set(reader.fieldnames or [])
    if missing:
        raise RateTableError(f"line 1: columns {', '.join(sorted(missing))} missing")
    for line, row in enumerate(reader, start=2):
        if (row.get("currency") or "").strip().upper() != currency:
            continue
        period = (row.get("period") or "").strip()
        match = _PERIOD.match(period)
        if not match:
            raise RateTableError(f"line {line}: period {period!r} is not YYYY-MM or YYYY")
        try:
            rate = float(row.get("usd_per_unit") or "")
        except ValueError:
            raise RateTableError(f"line {line}: usd_per_unit is not a number") from None
        if not 0 < rate < 1e6:
            raise RateTableError(f"line {line}: usd_per_unit must be above 0")
        (table.monthly if match["month"] else table.yearly)[period] = rate
    return table


def load_rates(path: Path | None, currency: str) -> RateTable:
    """The configured rate table (an empty one without a file: only USD declarations are then converted)."""
    if path is None:
        return RateTable(currency)
    return parse_rates(path.read_text(encoding="utf-8-sig"), currency)
