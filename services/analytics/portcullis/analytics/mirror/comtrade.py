"""UN Comtrade CSV files: partner countries' trade records, read and validated whole before anything is stored.

Both layouts Comtrade hands out are read: the current API and download CSV (`reporterISO`, `partnerISO`, `period`,
`cmdCode`, `flowCode`, `primaryValue`, `fobvalue`, `netWgt`, `qty`, `qtyUnitAbbr` ...) and the legacy bulk CSV
(`Reporter ISO`, `Partner ISO`, `Period`, `Commodity Code`, `Trade Flow Code`, `Trade Value (US$)`,
`Netweight (kg)`, `Qty`, `Qty Unit` ...). Column names are compared without case, spaces or punctuation, so
`Netweight (kg)` and `NetweightKg` are the same column. A row with any bad field makes the whole file refused.
"""

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pycountry

#: Each field of a record and the (normalised) column names that carry it, in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "reporter": ("reporteriso", "reportercode"),
    "partner": ("partneriso", "partnercode"),
    "period": ("period", "refperiodid"),
    "hs6": ("cmdcode", "commoditycode"),
    "flow": ("flowcode", "tradeflowcode"),
    # Exports are valued FOB: the FOB column where the file has one, else the primary (reported) value.
    "value_usd": ("fobvalue", "fobtradevalueus", "primaryvalue", "tradevalueus", "tradevalue"),
    "net_weight_kg": ("netwgt", "netweightkg"),
    "quantity": ("qty",),
    "quantity_unit": ("qtyunitabbr", "qtyunit"),
}
REQUIRED = ("reporter", "partner", "period", "hs6", "flow", "value_usd")
#: Comtrade's numeric trade flow codes (legacy layout) and the letter codes of the current one.
FLOWS = {"1": "M", "2": "X", "3": "RX", "4": "RM"}
MAX_ERRORS = 100

_PERIOD = re.compile(r"^(?P<year>\d{4})(?P<month>0[1-9]|1[0-2])?$")
_HS6 = re.compile(r"^\d{6}$")
_FLOW = re.compile(r"^[A-Z]{1,4}$")


@dataclass(frozen=True)
class PartnerRecord:
    """One reporter's trade with one partner in one HS6 subheading, flow and period (a month or a year)."""

    reporter: str  # ISO 3166-1 alpha-3
    partner: str
    period: str  # YYYYMM or YYYY, as Comtrade writes it
    hs6: str
    flow: str  # X export, M import, RX re-export, RM re-import
    value_usd: float
    net_weight_kg: float | None
    quantity: float | None
    quantity_unit: str | None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What identifies the record: a later import of the same key replaces it."""
        return (self.reporter, self.partner, self.period, self.hs6, self.flow)


@dataclass(frozen=True)
class RowError:
    """Why a line of the file was refused."""

    line: int
    field: str
    reason: str


class ComtradeFileError(ValueError):
    """The file was refused: every error found (at most MAX_ERRORS), nothing of it loaded."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s), the first on line {errors[0].line}")
        self.errors = list(errors)


def normalise(column: str) -> str:
    """A column name without case, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


def parse_comtrade(text: str) -> list[PartnerRecord]:
    """Every record of a Comtrade CSV, or ComtradeFileError naming each bad line, field and reason."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ComtradeFileError([RowError(1, "header", "the file is empty")])
    positions = {normalise(name): index for index, name in enumerate(header)}
    columns = {
        name: [positions[c] for c in candidates if c in positions]
        for name, candidates in COLUMNS.items()
        if any(c in positions for c in candidates)
    }
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        reasons = [RowError(1, name, f"no column of {', '.join(COLUMNS[name])}") for name in missing]
        raise ComtradeFileError(reasons)
    records: list[PartnerRecord] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str, str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        # A field is the first non-empty of its columns (an export's FOB value, else its primary value).
        cells = {
            name: next((row[i].strip() for i in indices if i < len(row) and row[i].strip()), "")
            for name, indices in columns.items()
        }
        record, row_errors = _record(line, cells)
        errors.extend(row_errors)
        if record is not None:
            if record.key in seen:
                errors.append(RowError(line, "period", f"the same record (reporter, partner, period, HS6, flow) "
                                                        f"is on line {seen[record.key]}"))  # fmt: skip
            else:
                seen[record.key] = line
                records.append(record)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ComtradeFileError(errors[:MAX_ERRORS])
    return records


def _record(line: int, cells: dict[str, str]) -> tuple[PartnerRecord | None, list[RowError]]:
    errors: list[RowError] = []

    def fail(field: str, reason: str) -> None:
        errors.append(RowError(line, field, reason))

    reporter = _country(cells["reporter"])
    if reporter is None:
        fail("reporter", f"{cells['reporter']!r} is not an ISO 3166 country (alpha-3 or numeric code)")
    partner = _country(cells["partner"])
    if partner is None:
        fail("partner", f"{cells['partner']!r} is not an ISO 3166 country (alpha-3 or numeric code)")
    period = cells["period"]
    if not _PERIOD.match(period):
        fail("period", f"{period!r} is not a year (YYYY) or a month (YYYYMM)")
    hs6 = cells["hs6"]
    if not _HS6.match(hs6):
        fail("hs6", f"{hs6!r} is not an HS code of six digits")
    flow = FLOWS.get(cells["flow"], cells["flow"].upper())
    if not _FLOW.match(flow):
        fail("flow", f"{cells['flow']!r} is not a trade flow code (X, M, RX, RM or 1-4)")
    value = _number(cells["value_usd"], "value_usd", required=True, fail=fail)
    weight = _number(cells.get("net_weight_kg", ""), "net_weight_kg", required=False, fail=fail)
    quantity = _number(cells.get("quantity", ""), "quantity", required=False, fail=fail)
    unit = cells.get("quantity_unit") or None
    if errors or reporter is None or partner is None or value is None:
        return None, errors
    record = PartnerRecord(reporter, partner, period, hs6, flow, value, weight, quantity, unit)
    return record, errors


def _number(text: str, field: str, *, required: bool, fail: Callable[[str, str], None]) -> float | None:
    if not text:
        if required:
            fail(field, "is empty")
        return None
    try:
        number = float(text)
    except ValueError:
        fail(field, f"{text[:40]!r} is not a number")
        return None
    if not math.isfinite(number) or number < 0:
        fail(field, "must be a finite number, 0 or more")
        return None
    return number


def _country(code: str) -> str | None:
    """ISO 3166-1 alpha-3 of an alpha-3 or numeric code; None for an unknown one or an aggregate (World, nes)."""
    if re.fullmatch(r"[A-Za-z]{3}", code):
        country = pycountry.countries.get(alpha_3=code.upper())
    elif re.fullmatch(r"\d{1,3}", code):
        country = pycountry.countries.get(numeric=code.zfill(3))
    else:
        return None
    return None if country is None else str(country.alpha_3)
