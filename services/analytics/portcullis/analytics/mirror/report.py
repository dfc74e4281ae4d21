"""The mirror report: what partner countries report as exported to us against what our importers declared.

Per HS6 x origin (x period), over the months of the period that the mirror dataset covers (a month with any
export record to us; a year's record covers its twelve months and is used only for years without monthly ones):

- partner side: the exports (flow X) to the agency's country, FOB in US dollars, net weight in kg;
- declared side: the items of the latest version of each declaration submitted in those months, customs value
  (CIF, in the national currency) converted at the agency's rate of the month and divided by the CIF/FOB factor.
  A month without a rate is flagged `missing_rate` and its value left out, never converted at a guessed rate.

Score, explained per row: mean(value gap share, unit-value shortfall) x log10(1 + value gap in USD), where the
value gap share is 1 - declared/partner value (0..1), the unit-value shortfall is 1 - declared/partner USD per kg
(0..1; the value gap share where either weight is unknown), so a large relative gap on a large amount ranks first.
"""

import math
from datetime import timedelta
from enum import StrEnum
from typing import Any

import duckdb
import pyarrow as pa
import pycountry
from pydantic import BaseModel, Field

from portcullis.analytics.mirror.rates import RateTable
from portcullis.analytics.mirror.store import SCHEMA, MirrorStore
from portcullis.analytics.reports.period import Period


class MirrorGroup(StrEnum):
    """What the mirror report compares: each HS6 x origin over the period, or per partner period as well."""

    PAIR = "pair"
    PERIOD = "period"


class Contributor(BaseModel):
    """An importer or declaration of a row, by how much it falls short of the partners' unit value."""

    id: str
    importer_id: str | None = None
    declarations: int
    declared_value_usd: float | None = Field(description="FOB-equivalent US dollars")
    net_weight_kg: float
    shortfall_usd: float | None = Field(
        description="Its weight at the partners' unit value, less its declared value: its share of the gap"
    )


class MirrorRow(BaseModel):
    """One HS6 x origin (x period): both sides, the gaps, the score and the biggest contributors."""

    rank: int
    hs6: str
    origin: str = Field(description="Country of origin (ISO 3166-1 alpha-2); the partner that reported it")
    period: str | None = Field(description="The partner period (YYYYMM or YYYY) when grouped by period")
    partner_value_usd: float = Field(description="Exports to us that the partner reported, FOB, US dollars")
    partner_net_weight_kg: float | None
    declared_value: float = Field(description="Declared customs value (CIF) in the national currency")
    declared_value_usd: float | None = Field(description="Converted and divided by the CIF/FOB factor")
    declared_net_weight_kg: float
    declarations: int
    importers: int
    value_gap_usd: float | None = Field(description="partner - declared (positive: less was declared)")
    value_ratio: float | None = Field(description="declared / partner value")
    weight_gap_kg: float | None = Field(description="partner - declared net weight")
    partner_unit_value: float | None = Field(description="US dollars per kg, partner side")
    declared_unit_value: float | None = Field(description="US dollars per kg, declared side")
    unit_value_ratio: float | None = Field(description="declared / partner unit value")
    score: float | None = Field(description="Suspicion score (see `method`); null when a rate is missing")
    flags: list[str] = Field(description="missing_rate, not_declared, not_reported, no_weight")
    explanation: str
    top_importers: list[Contributor]
    top_declarations: list[Contributor]


class MirrorReport(BaseModel):
    """The mirror report of a period, rows ranked by score."""

    report: str = "mirror"
    period_from: str = Field(serialization_alias="from")
    period_to: str = Field(serialization_alias="to")
    group_by: MirrorGroup
    country: str = Field(description="The agency's country (alpha-3): partners' exports to it are compared")
    declared_currency: str
    cif_fob_factor: float
    months_covered: list[str] = Field(description="Months of the period with partner records (YYYY-MM)")
    months_without_rate: list[str]
    method: str
    rows_total: int = Field(description="Rows before `limit`")
    rows: list[MirrorRow]


METHOD = (
    "score = mean(value gap share, unit-value shortfall) x log10(1 + value gap USD); value gap share = "
    "1 - declared/partner value, unit-value shortfall = 1 - declared/partner USD per kg, each within 0..1; "
    "declared CIF converted at the agency's monthly rate and divided by the CIF/FOB factor"
)

# Group keys of each side: the period column is the partner period (YYYYMM or YYYY) a month falls in.
_KEYS = {MirrorGroup.PAIR: "hs6, origin", MirrorGroup.PERIOD: "hs6, origin, period"}

_PREPARE = """
CREATE OR REPLACE TEMP TABLE partner AS
WITH exports AS (
    SELECT m.reporter, c.alpha2 AS origin, m.hs6, m.period, m.value_usd, m.net_weight_kg,
           CASE WHEN length(m.period) = 6 THEN strptime(m.period, '%Y%m') ELSE strptime(m.period, '%Y') END::DATE
               AS period_start
    FROM mirror m JOIN countries c ON c.alpha3 = m.reporter
    WHERE m.partner = $country AND m.flow = 'X'
), in_range AS (
    SELECT *, CASE WHEN length(period) = 6 THEN period_start + INTERVAL 1 MONTH
                   ELSE period_start + INTERVAL 1 YEAR END::DATE AS period_end
    FROM exports
)
SELECT * FROM in_range a
WHERE period_start >= $first AND period_end <= $after
  AND (length(period) = 6 OR NOT EXISTS (
      SELECT 1 FROM in_range m WHERE length(m.period) = 6 AND left(m.period, 4) = a.period
          AND m.period_start >= $first AND m.period_end <= $after))
"""

_COVERAGE = """
CREATE OR REPLACE TEMP TABLE coverage AS
SELECT DISTINCT strftime(month, '%Y-%m') AS month, period
FROM (SELECT period, unnest(generate_series(period_start, period_end - INTERVAL 1 DAY, INTERVAL 1 MONTH)) AS month
      FROM (SELECT DISTINCT period, period_start, period_end FROM partner))
"""

_ITEMS = """
CREATE OR REPLACE TEMP TABLE items AS
WITH latest AS (
    SELECT declaration_id, max_by(payload, kafka_timestamp) AS payload, max_by(importer_id, kafka_timestamp)
           AS importer_id, max_by(submitted_at, kafka_timestamp) AS submitted_at
    FROM declarations WHERE day >= $first_day AND submitted_at >= $start AND submitted_at < $end
    GROUP BY declaration_id
), exploded AS (
    SELECT declaration_id, importer_id, strftime(submitted_at, '%Y-%m') AS month, unnest(from_json(
        json_extract(payload, '$.items'),
        '[{"hs6_code": "VARCHAR", "origin_country": "VARCHAR", "net_mass_kg": "DOUBLE", "item_price": "DOUBLE"}]'
    )) AS item
    FROM latest
)
SELECT e.declaration_id, e.importer_id, e.month, c.period, e.item.hs6_code AS hs6, e.item.origin_country AS origin,
       coalesce(e.item.net_mass_kg, 0) AS kg, coalesce(e.item.item_price, 0) AS declared_value,
       e.item.item_price * r.usd_per_unit / $cif_fob AS usd, r.usd_per_unit IS NULL AS missing_rate
FROM exploded e JOIN coverage c USING (month) LEFT JOIN rates r USING (month)
"""

_COMPARE = """
WITH partner_side AS (
    SELECT {keys}, sum(value_usd) AS partner_usd,
           CASE WHEN count(net_weight_kg) = count(*) THEN sum(net_weight_kg) END AS partner_kg
    FROM partner GROUP BY {keys}
), declared_side AS (
    SELECT {keys}, sum(declared_value) AS declared_value, sum(usd) AS declared_usd, sum(kg) AS declared_kg,
           count(DISTINCT declaration_id) AS declarations, count(DISTINCT importer_id) AS importers,
           bool_or(missing_rate) AS missing_rate
    FROM items GROUP BY {keys}
)
SELECT {keys}, coalesce(p.partner_usd, 0), p.partner_kg, coalesce(d.declared_value, 0),
       CASE WHEN coalesce(d.missing_rate, false) THEN NULL ELSE coalesce(d.declared_usd, 0) END,
       coalesce(d.declared_kg, 0), coalesce(d.declarations, 0), coalesce(d.importers, 0),
       coalesce(d.missing_rate, false), p.partner_usd IS NULL, d.declarations IS NULL
FROM partner_side p FULL OUTER JOIN declared_side d USING ({keys})
"""

# Contributors of the rows shown: each importer's (declaration's) weight at the row's partner unit value, less
# what it declared; the largest shortfalls first.
_CONTRIBUTORS = """
WITH unit_values AS (
    SELECT * FROM (VALUES {values}) AS v(row_index, hs6, origin, period, unit_value)
)
SELECT row_index, {who}, any_value(importer_id), count(DISTINCT declaration_id), sum(usd), sum(kg),
       sum(kg) * any_value(unit_value) - sum(usd) AS shortfall
FROM items i JOIN unit_values u ON i.hs6 = u.hs6 AND i.origin = u.origin AND (u.period IS NULL OR i.period = u.period)
GROUP BY row_index, {who}
QUALIFY row_number() OVER (PARTITION BY row_index ORDER BY shortfall DESC NULLS LAST, {who}) <= $top
"""


def mirror_report(
    connection: duckdb.DuckDBPyConnection,
    store: MirrorStore,
    period: Period,
    group_by: MirrorGroup,
    *,
    country: str,
    rates: RateTable,
    cif_fob_factor: float,
    limit: int = 50,
    drill_down: int = 5,
) -> MirrorReport:
    """Compare the stored partner records with the stored declarations of the period; rank by score."""
    _register(connection, store, period, rates)
    after = period.last + timedelta(days=1)
    connection.execute(_PREPARE, {"country": country, "first": period.first, "after": after})
    connection.execute(_COVERAGE)
    first_day = (period.first - timedelta(days=1)).isoformat()
    items = {"first_day": first_day, "start": period.start, "end": period.end, "cif_fob": cif_fob_factor}
    connection.execute(_ITEMS, items)
    months = [row[0] for row in connection.execute("SELECT DISTINCT month FROM coverage ORDER BY month").fetchall()]
    missing = [
        row[0]
        for row in connection.execute("SELECT DISTINCT month FROM items WHERE missing_rate ORDER BY month").fetchall()
    ]
    keys = _KEYS[group_by]
    found = connection.execute(_COMPARE.format(keys=keys)).fetchall()
    rows = [_row(values, group_by) for values in found]
    rows.sort(key=lambda row: (-(row.score if row.score is not None else -1.0), row.hs6, row.origin, row.period or ""))
    shown = rows[:limit]
    for index, row in enumerate(shown, start=1):
        row.rank = index
    if drill_down and shown:
        _add_contributors(connection, shown, drill_down)
    return MirrorReport(
        period_from=period.first.isoformat(),
        period_to=period.last.isoformat(),
        group_by=group_by,
        country=country,
        declared_currency=rates.currency,
        cif_fob_factor=cif_fob_factor,
        months_covered=months,
        months_without_rate=missing,
        method=METHOD,
        rows_total=len(rows),
        rows=shown,
    )


def _register(connection: duckdb.DuckDBPyConnection, store: MirrorStore, period: Period, rates: RateTable) -> None:
    mirror = store.read_table() if store.exists() else SCHEMA.empty_table()
    connection.register("mirror", mirror)
    countries = [(str(c.alpha_3), str(c.alpha_2)) for c in pycountry.countries]
    connection.register(
        "countries",
        pa.table({"alpha3": [a for a, _ in countries], "alpha2": [b for _, b in countries]}),
    )
    months = _months(period)
    known = [(month, rates.usd_per_unit(month)) for month in months]
    connection.register(
        "rates",
        pa.table(
            {"month": [m for m, r in known if r is not None], "usd_per_unit": [r for _, r in known if r is not None]},
            schema=pa.schema([("month", pa.string()), ("usd_per_unit", pa.float64())]),
        ),
    )


def _months(period: Period) -> list[str]:
    months = []
    year, month = period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _row(values: tuple[Any, ...], group_by: MirrorGroup) -> MirrorRow:
    if group_by is MirrorGroup.PERIOD:
        hs6, origin, period, *rest = values
    else:
        (hs6, origin, *rest), period = values, None
    (partner_usd, partner_kg, declared_value, declared_usd, declared_kg, declarations, importers, missing_rate,
     not_reported, not_declared) = rest  # fmt: skip
    flags = [
        name
        for name, present in (
            ("missing_rate", missing_rate),
            ("not_declared", not_declared),
            ("not_reported", not_reported),
            ("no_weight", partner_kg is None or (int(declarations) > 0 and not declared_kg)),
        )
        if present
    ]
    partner_usd, declared_kg = float(partner_usd), float(declared_kg)
    gap = None if declared_usd is None else partner_usd - float(declared_usd)
    value_ratio = None if declared_usd is None or not partner_usd else float(declared_usd) / partner_usd
    partner_uv = partner_usd / partner_kg if partner_kg else None
    declared_uv = float(declared_usd) / declared_kg if declared_usd is not None and declared_kg else None
    uv_ratio = declared_uv / partner_uv if declared_uv is not None and partner_uv else None
    score, explanation = _score(partner_usd, declared_usd, gap, value_ratio, uv_ratio, partner_uv, declared_uv)
    return MirrorRow(
        rank=0,
        hs6=str(hs6),
        origin=str(origin),
        period=None if period is None else str(period),
        partner_value_usd=round(partner_usd, 2),
        partner_net_weight_kg=partner_kg,
        declared_value=round(float(declared_value), 2),
        declared_value_usd=None if declared_usd is None else round(float(declared_usd), 2),
        declared_net_weight_kg=declared_kg,
        declarations=int(declarations),
        importers=int(importers),
        value_gap_usd=None if gap is None else round(gap, 2),
        value_ratio=value_ratio,
        weight_gap_kg=None if partner_kg is None else float(partner_kg) - declared_kg,
        partner_unit_value=partner_uv,
        declared_unit_value=declared_uv,
        unit_value_ratio=uv_ratio,
        score=score,
        flags=flags,
        explanation=explanation,
        top_importers=[],
        top_declarations=[],
    )


def _score(
    partner_usd: float,
    declared_usd: float | None,
    gap: float | None,
    value_ratio: float | None,
    uv_ratio: float | None,
    partner_uv: float | None,
    declared_uv: float | None,
) -> tuple[float | None, str]:
    if declared_usd is None or gap is None:
        return None, "no score: a month of these declarations has no exchange rate in the agency's table"
    if not partner_usd:
        return 0.0, f"no partner reports exports; declared USD {declared_usd:,.0f} (not an under-declaration)"
    gap_share = min(max(1.0 - (value_ratio or 0.0), 0.0), 1.0)
    uv_shortfall = gap_share if uv_ratio is None else min(max(1.0 - uv_ratio, 0.0), 1.0)
    score = (gap_share + uv_shortfall) / 2 * math.log10(1 + max(gap, 0.0))
    parts = [
        f"partners report USD {partner_usd:,.0f} FOB, declarations USD {declared_usd:,.0f} "
        f"({100 * (value_ratio or 0):.0f}%): gap USD {gap:,.0f}"
    ]
    if uv_ratio is not None and partner_uv is not None and declared_uv is not None:
        parts.append(f"unit value {uv_ratio:.2f}x the partners' (USD {declared_uv:,.2f}/kg against {partner_uv:,.2f})")
    parts.append(
        f"score = mean({100 * gap_share:.0f}% value gap, {100 * uv_shortfall:.0f}% unit-value shortfall)"
        f" x log10(1 + gap) = {score:.2f}"
    )
    return round(score, 4), "; ".join(parts)


def _add_contributors(connection: duckdb.DuckDBPyConnection, rows: list[MirrorRow], top: int) -> None:
    with_unit_value = [row for row in rows if row.partner_unit_value is not None and row.declarations]
    if not with_unit_value:
        return
    values = ", ".join(f"({index}, ?, ?, ?, ?::DOUBLE)" for index in range(len(with_unit_value)))
    arguments: list[Any] = []
    for row in with_unit_value:
        arguments.extend([row.hs6, row.origin, row.period, row.partner_unit_value])
    for who, target in (("importer_id", "top_importers"), ("declaration_id", "top_declarations")):
        statement = _CONTRIBUTORS.format(values=values, who=who).replace("$top", str(int(top)))
        for index, ident, importer, declarations, usd, kg, shortfall in connection.execute(
            statement, arguments
        ).fetchall():
            getattr(with_unit_value[index], target).append(
                Contributor(
                    id=str(ident),
                    importer_id=None if who == "importer_id" else importer,
                    declarations=int(declarations),
                    declared_value_usd=None if usd is None else round(float(usd), 2),
                    net_weight_kg=float(kg),
                    shortfall_usd=None if shortfall is None else round(float(shortfall), 2),
                )
            )
