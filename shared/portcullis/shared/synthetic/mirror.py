"""Partner countries' export statistics consistent with a set of declarations, with planted under-invoicing.

The partners report what was really shipped: each origin x HS6 x month of the declarations, converted to US
dollars at the month's rate and from CIF to FOB, with a little statistical noise (different valuation dates,
rounding, the odd misrecorded weight). On the planted HS6 x origin pairs the declarations are then lowered to a
fraction of the true value (under-invoicing), so the partners report more than our importers declare. The file
is written in UN Comtrade's current CSV layout (the columns of its API and download), all of it generated.
"""

import copy
import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pycountry

#: UN Comtrade's CSV columns (API and download, 2023 onwards), in their order.
COMTRADE_COLUMNS = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode", "isOriginalClassification",
    "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc",
    "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated", "cifvalue", "fobvalue",
    "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip


@dataclass
class MirrorSample:
    """Declarations (planted pairs under-invoiced), the partners' Comtrade file, the rate table, the truth."""

    declarations: list[dict[str, Any]]
    comtrade_csv: str
    rates_csv: str
    planted: dict[tuple[str, str], float] = field(default_factory=dict)  # (hs6, origin alpha-2) -> share declared
    months: list[str] = field(default_factory=list)


def generate_mirror_sample(
    declarations: list[dict[str, Any]],
    *,
    planted: int = 6,
    min_declarations: int = 8,
    min_value_usd: float = 1000.0,
    declared_share: tuple[float, float] = (0.35, 0.55),
    noise: float = 0.08,
    unreported_share: float = 0.03,
    country: str = "KOR",
    currency: str = "KRW",
    units_per_usd: float = 1100.0,
    cif_fob_factor: float = 1.10,
    seed: int = 17,
) -> MirrorSample:
    """Partner exports for `declarations` (their values in `currency`), with `planted` pairs under-invoiced: chosen
    at random among the pairs with at least `min_declarations` items worth `min_value_usd` in the period."""
    rng = random.Random(seed)
    sample_declarations = copy.deepcopy(declarations)
    months = sorted({str(d["submitted_at"])[:7] for d in sample_declarations})
    # The agency's monthly rates: near `units_per_usd`, moving a little from month to month.
    usd_per_unit = {month: 1 / (units_per_usd * rng.uniform(0.97, 1.03)) for month in months}
    true_value: dict[tuple[str, str, str], float] = defaultdict(float)
    true_kg: dict[tuple[str, str, str], float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for declaration in sample_declarations:
        month = str(declaration["submitted_at"])[:7]
        for item in declaration["items"]:
            key = (item["origin_country"], str(item["hs6_code"]), month)
            true_value[key] += float(item["item_price"])
            true_kg[key] += float(item["net_mass_kg"])
            counts[(str(item["hs6_code"]), item["origin_country"])] += 1
    # Under-invoicing worth a mirror analysis: pairs traded often enough and for enough money (the data set has
    # pairs worth a few dollars a quarter, where a gap is no evidence of anything).
    pair_usd: dict[tuple[str, str], float] = defaultdict(float)
    for (origin, hs6, month), value in true_value.items():
        pair_usd[(hs6, origin)] += value * usd_per_unit[month]
    candidates = sorted(
        pair
        for pair, count in counts.items()
        if count >= min_declarations and pair_usd[pair] >= min_value_usd and _alpha3(pair[1]) not in (None, country)
    )
    chosen = rng.sample(candidates, min(planted, len(candidates)))
    shares = {pair: round(rng.uniform(*declared_share), 3) for pair in chosen}
    for declaration in sample_declarations:
        for item in declaration["items"]:
            share = shares.get((str(item["hs6_code"]), item["origin_country"]))
            if share is not None:
                item["item_price"] = round(float(item["item_price"]) * share, 2)
    rows = []
    for (origin, hs6, month), value in sorted(true_value.items()):
        reporter = _alpha3(origin)
        if reporter in (None, country) or rng.random() < unreported_share:  # a country reports no exports to itself
            continue
        fob_usd = value * usd_per_unit[month] / cif_fob_factor * rng.lognormvariate(0, noise)
        kg = true_kg[(origin, hs6, month)] * rng.lognormvariate(0, noise / 2)
        rows.append(_comtrade_row(reporter, country, month, hs6, fob_usd, kg))
        if rng.random() < 0.05:  # the same goods reported to another partner: not ours, left out by the report
            rows.append(_comtrade_row(reporter, "JPN", month, hs6, fob_usd * 2, kg * 2))
    out = io.StringIO()
    writer = csv.DictWriter(out, COMTRADE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    rates = io.StringIO()
    rates.write("currency,period,usd_per_unit\n")
    for month in months:
        rates.write(f"{currency},{month},{usd_per_unit[month]:.10f}\n")
    return MirrorSample(sample_declarations, out.getvalue(), rates.getvalue(), shares, months)


def _alpha3(alpha2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha2)
    return None if country is None else str(country.alpha_3)


def _numeric(alpha3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha3)
    return "" if country is None else str(int(country.numeric))


def _name(alpha3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha3)
    return "" if country is None else str(country.name)


def _comtrade_row(reporter: str, partner: str, month: str, hs6: str, fob_usd: float, kg: float) -> dict[str, str]:
    year, month_number = month.split("-")
    return {
        "typeCode": "C", "freqCode": "M", "refPeriodId": f"{year}{month_number}01", "refYear": year,
        "refMonth": str(int(month_number)), "period": f"{year}{month_number}", "reporterCode": _numeric(reporter),
        "reporterISO": reporter, "reporterDesc": _name(reporter), "flowCode": "X", "flowDesc": "Export",
        "partnerCode": _numeric(partner), "partnerISO": partner, "partnerDesc": _name(partner), "partner2Code": "0",
        "partner2ISO": "W00", "partner2Desc": "World", "classificationCode": "H6", "classificationSearchCode": "HS",
        "isOriginalClassification": "True", "cmdCode": hs6, "cmdDesc": "", "aggrLevel": "6", "isLeaf": "True",
        "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0", "motCode": "0", "motDesc": "TOTAL MOT",
        "qtyUnitCode": "8", "qtyUnitAbbr": "kg", "qty": f"{kg:.1f}", "isQtyEstimated": "False",
        "altQtyUnitCode": "", "altQtyUnitAbbr": "", "altQty": "", "isAltQtyEstimated": "False",
        "netWgt": f"{kg:.1f}", "isNetWgtEstimated": "False", "grossWgt": "", "isGrossWgtEstimated": "False",
        "cifvalue": "", "fobvalue": f"{fob_usd:.2f}", "primaryValue": f"{fob_usd:.2f}", "legacyEstimationFlag": "0",
        "isReported": "True", "isAggregate": "False",
    }  # fmt: skip
