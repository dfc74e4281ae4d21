"""Officer-readable reasons from per-feature contributions (LightGBM TreeSHAP)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from portcullis.shared.riskmodel.features import ENCODED_KEYS, FeatureStats, derived_columns, history_counts
from portcullis.shared.schemas import Reason, ReasonKind

MAX_REASONS = 3
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_CATEGORY_LABELS: dict[str, str] = {
    "office_id": "customs office",
    "process_type": "process type",
    "import_type": "import type",
    "import_use": "import use",
    "payment_type": "payment type",
    "transport_mode": "transport mode",
    "origin_indicator": "origin indicator",
    "tax_type": "duty regime",
    "importer_id": "importer",
    "declarant_id": "declarant",
    "seller_id": "seller",
    "courier_id": "courier",
    "hs6": "HS",
    "hs4": "HS heading",
    "hs2": "HS chapter",
    "origin_country": "origin",
    "departure_country": "departure country",
}


#: The subject of each historical rate, in words.
_HISTORY_SUBJECTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "importer": lambda r: "the importer",
    "declarant": lambda r: "the declarant",
    "seller": lambda r: "the seller",
    "courier": lambda r: "the courier",
    "office": lambda r: f"customs office {r['office_id']}",
    "hs6": lambda r: f"HS {r['hs6_code']}",
    "importer_hs6": lambda r: f"the importer with HS {r['hs6_code']}",
    "declarant_importer": lambda r: "this declarant with this importer",
    "seller_importer": lambda r: "this seller with this importer",
    "hs6_origin": lambda r: f"HS {r['hs6_code']} from {r['origin_country']}",
    "declarant_hs6": lambda r: f"the declarant with HS {r['hs6_code']}",
}


def _history_subject(name: str, row: Mapping[str, Any]) -> str:
    return _HISTORY_SUBJECTS[name](row)


def _times(count: int) -> str:
    return {0: "0 times", 1: "once", 2: "twice"}.get(count, f"{count} times")


def _percent_off(log_ratio: float) -> str:
    ratio = math.exp(log_ratio)
    if abs(ratio - 1) < 0.005:
        return "in line with"
    if ratio >= 1:
        return f"{(ratio - 1) * 100:.0f}% above" if ratio < 10 else f"{ratio:.0f} times"
    return f"{(1 - ratio) * 100:.0f}% below"


def reason_text(feature: str, row: Mapping[str, Any], value: float, history: tuple[float, float] | None) -> str:
    """A sentence an officer understands for one feature of one item (`history`: inspections, frauds)."""
    if feature.startswith("cat_"):
        column = feature.removeprefix("cat_")
        if column.startswith("hs"):
            shown = str(row["hs6_code"])[: {"hs6": 6, "hs4": 4, "hs2": 2}[column]]
        else:
            shown = str(row[column])
        if not shown:
            return f"no {_CATEGORY_LABELS[column]} given"
        return f"{_CATEGORY_LABELS[column]} {shown} is often found irregular"
    if feature.startswith(("fraud_rate_", "history_")):
        name = feature.removeprefix("fraud_rate_").removeprefix("history_")
        subject = _history_subject(name, row)
        inspections, frauds = history if history is not None else (0.0, 0.0)
        if inspections == 0:
            return f"no inspection history for {subject}"
        found = _times(int(frauds))
        if subject.startswith("the ") and " with " not in subject:
            return f"{subject.removeprefix('the ')}'s inspections found fraud {found} in {inspections:.0f}"
        return f"inspections of {subject} found fraud {found} in {inspections:.0f}"
    if feature == "unit_value_vs_hs6":
        if math.isnan(value):
            return f"unusual HS {row['hs6_code']}: no usual unit value known"
        return f"unit value {_percent_off(value)} the usual for HS {row['hs6_code']}"
    if feature == "unit_value_vs_hs6_origin":
        where = f"HS {row['hs6_code']} from {row['origin_country']}"
        if math.isnan(value):
            return f"no usual unit value known for {where}"
        return f"unit value {_percent_off(value)} the usual for {where}"
    if feature == "log_unit_value":
        return f"unit value of {row['item_price'] / max(row['net_mass_kg'], 0.01):,.2f} per kg"
    if feature == "log_item_price":
        return f"declared value of {row['item_price']:,.0f}"
    if feature == "log_net_mass":
        return f"net mass of {row['net_mass_kg']:,.1f} kg"
    if feature == "tax_rate":
        return f"duty rate of {row['tax_rate']:g}%"
    if feature == "tax_rate_vs_hs6":
        if math.isnan(value):
            return f"duty rate {row['tax_rate']:g}% for an unusual HS {row['hs6_code']}"
        usual = row["tax_rate"] - value
        return f"duty rate {row['tax_rate']:g}% where {usual:g}% is usual for HS {row['hs6_code']}"
    if feature == "weekday":
        return f"lodged on a {_WEEKDAYS[int(value)]}"
    if feature == "month":
        return f"lodged in {_MONTHS[int(value) - 1]}"
    return feature


#: One model reason before it becomes a `Reason`: (feature code, sentence, weight rounded to 4 places).
ReasonParts = tuple[str, str, float]


def top_reasons(
    rows: Sequence[Mapping[str, Any]],
    values: np.ndarray,
    contributions: np.ndarray,
    feature_names: Sequence[str],
    history: Callable[[str, int], tuple[float, float] | None],
    max_reasons: int = MAX_REASONS,
) -> list[list[ReasonParts]]:
    """Top reasons (the features that raised the score most) of each explained item.

    `rows[i]` holds the item frame's fields of item i (`reason_text` reads them), `values[i]` its feature
    values, `contributions[i]` the per-feature contributions (a trailing bias column is ignored) and
    `history(name, i)` the [inspections, frauds] behind history key `name` for item i.
    """
    # Last column of pred_contrib is the expected value (bias), not a feature.
    feature_contributions = contributions[:, : len(feature_names)]
    if not len(feature_contributions):
        return []
    # One sort for the whole batch (stable, per row: ties keep feature order), then plain Python per row.
    orders = np.argsort(-feature_contributions, axis=1, kind="stable")[:, :max_reasons].tolist()
    history_names = [_history_name(feature) for feature in feature_names]
    reasons: list[list[ReasonParts]] = []
    for row_number, order in enumerate(orders):
        row_contrib = feature_contributions[row_number]
        merged: dict[str, ReasonParts] = {}
        for column in order:
            weight = float(row_contrib[column])
            if weight <= 0:
                break
            feature = feature_names[column]
            name = history_names[column]
            text = reason_text(
                feature,
                rows[row_number],
                float(values[row_number, column]),
                history(name, row_number) if name != feature else None,
            )
            # One reason per sentence: a rate and its history count can say the same thing; add their weights.
            seen = merged.get(text)
            weight = round(weight, 4)
            merged[text] = (feature, text, weight) if seen is None else (seen[0], text, round(seen[2] + weight, 4))
        reasons.append(list(merged.values()))
    return reasons


def as_reasons(parts: Sequence[ReasonParts]) -> list[Reason]:
    """`Reason` objects of model reasons."""
    return [Reason(kind=ReasonKind.MODEL, text=text, code=code, weight=weight) for code, text, weight in parts]


def explain_rows(
    items: pd.DataFrame,
    features: pd.DataFrame,
    contributions: np.ndarray,
    stats: FeatureStats,
    max_reasons: int = MAX_REASONS,
) -> list[list[Reason]]:
    """Top reasons for each item of an item frame, with its feature matrix and contribution matrix."""
    names = list(features.columns)
    histories = _histories_for(items, names, stats)

    def history(name: str, row: int) -> tuple[float, float] | None:
        counts = histories.get(name)
        return None if counts is None else (counts[row, 0], counts[row, 1])

    parts = top_reasons(
        items.to_dict("records"), features.to_numpy(dtype=np.float64), contributions, names, history, max_reasons
    )
    return [as_reasons(p) for p in parts]


def _history_name(feature: str) -> str:
    return feature.removeprefix("fraud_rate_").removeprefix("history_")


def _histories_for(items: pd.DataFrame, names: list[str], stats: FeatureStats) -> dict[str, np.ndarray]:
    """[inspections, frauds] per item for every history key the model uses, looked up once per batch."""
    keys = {_history_name(n) for n in names if n.startswith(("fraud_rate_", "history_"))}
    if not keys:
        return {}
    frame = derived_columns(items)
    return {name: history_counts(frame, name, stats) for name in keys if name in ENCODED_KEYS}
