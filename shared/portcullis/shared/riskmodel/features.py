"""The feature pipeline shared by training and serving: item frame + learned statistics -> feature matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Code lists with few values: LightGBM native categoricals.
CODE_COLUMNS: tuple[str, ...] = (
    "office_id",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "origin_indicator",
    "tax_type",
)
TRADER_COLUMNS: tuple[str, ...] = ("importer_id", "declarant_id", "seller_id", "courier_id")
HS_COLUMNS: tuple[str, ...] = ("hs6", "hs4", "hs2")
COUNTRY_COLUMNS: tuple[str, ...] = ("origin_country", "departure_country")

#: Historical fraud rates (target encodings) and history counts: name -> item columns forming the key.
ENCODED_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "hs6": ("hs6",),
    "courier": ("courier_id",),
    "office": ("office_id",),
    "importer_hs6": ("importer_id", "hs6"),
    "declarant_importer": ("declarant_id", "importer_id"),
    "seller_importer": ("seller_id", "importer_id"),
    "hs6_origin": ("hs6", "origin_country"),
    "declarant_hs6": ("declarant_id", "hs6"),
}

#: Feature groups: switched on or off as a whole (the ablation in docs/model.md works on these).
ALL_GROUPS: tuple[str, ...] = (
    "codes",
    "traders_cat",
    "hs_cat",
    "countries_cat",
    "value",
    "value_deviation",
    "tax",
    "calendar",
    "fraud_rate",
    "history_counts",
)
#: Trader identifiers are left to their historical fraud rates: as raw categoricals (12,000 importers)
#: they overfit badly (see the ablation in docs/model.md).
#: The history counts did not help beside the rates either.
DEFAULT_GROUPS: tuple[str, ...] = tuple(g for g in ALL_GROUPS if g not in ("traders_cat", "history_counts"))
#: On this data set the traders' own histories carry no signal for the next quarter (ablation in
#: docs/model.md); the HS code's, the HS code + origin's and the declarant + HS code's do. The others
#: stay available through `FeatureSpec.history_keys`.
DEFAULT_HISTORY_KEYS: tuple[str, ...] = ("hs6", "hs6_origin", "declarant_hs6")
MIN_GROUP_FOR_MEDIAN = 5
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class FeatureSpec:
    """Which feature groups a model uses and the settings of their statistics."""

    groups: tuple[str, ...] = DEFAULT_GROUPS
    history_keys: tuple[str, ...] = DEFAULT_HISTORY_KEYS
    smoothing: float = 10.0
    min_category_count: int = 3
    folds: int = 5

    def categorical_features(self) -> list[str]:
        """Names of the features LightGBM treats as categorical."""
        names: list[str] = []
        if "codes" in self.groups:
            names += [f"cat_{c}" for c in CODE_COLUMNS]
        if "traders_cat" in self.groups:
            names += [f"cat_{c}" for c in TRADER_COLUMNS]
        if "hs_cat" in self.groups:
            names += [f"cat_{c}" for c in HS_COLUMNS]
        if "countries_cat" in self.groups:
            names += [f"cat_{c}" for c in COUNTRY_COLUMNS]
        return names

    def encoded_keys(self) -> list[str]:
        """Names of the keys with a historical fraud rate."""
        return list(self.history_keys) if "fraud_rate" in self.groups else []

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the artifact."""
        return {
            "groups": list(self.groups),
            "history_keys": list(self.history_keys),
            "smoothing": self.smoothing,
            "min_category_count": self.min_category_count,
            "folds": self.folds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpec:
        """Inverse of `to_json`."""
        return cls(
            groups=tuple(data["groups"]),
            # Artifacts written before history keys were configurable used every key.
            history_keys=tuple(data.get("history_keys", ENCODED_KEYS)),
            smoothing=float(data["smoothing"]),
            min_category_count=int(data["min_category_count"]),
            folds=int(data["folds"]),
        )


@dataclass
class FeatureStats:
    """Everything the features learn from the training data; stored in the artifact for serving."""

    prior: float
    #: categorical column -> known values (position = code); anything else is "unknown" (missing).
    vocabularies: dict[str, list[str]]
    #: key name -> {key value: [inspections, frauds]}
    histories: dict[str, dict[str, list[int]]]
    #: "hs6" / "hs6_origin" -> {key: median log unit value}
    unit_value_medians: dict[str, dict[str, float]]
    tax_rate_medians: dict[str, float]
    _lookups: dict[str, pd.Series] = field(default_factory=dict, repr=False, compare=False)
    _history_tables: dict[str, tuple[pd.Index, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the artifact."""
        return {
            "prior": self.prior,
            "vocabularies": self.vocabularies,
            "histories": self.histories,
            "unit_value_medians": self.unit_value_medians,
            "tax_rate_medians": self.tax_rate_medians,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureStats:
        """Inverse of `to_json`."""
        return cls(
            prior=float(data["prior"]),
            vocabularies=data["vocabularies"],
            histories=data["histories"],
            unit_value_medians=data["unit_value_medians"],
            tax_rate_medians=data["tax_rate_medians"],
        )

    def history_table(self, name: str) -> tuple[pd.Index, np.ndarray]:
        """Key values and their [inspections, frauds] rows, cached for vectorised lookups."""
        table = self._history_tables.get(name)
        if table is None:
            history = self.histories[name]
            counts = np.array(list(history.values()), dtype=np.float64).reshape(-1, 2)
            table = (pd.Index(list(history), dtype=object), np.vstack([counts, np.zeros((1, 2))]))
            self._history_tables[name] = table
        return table

    def lookup(self, name: str) -> pd.Series:
        """A cached Series for vectorised mapping of a statistics table."""
        series = self._lookups.get(name)
        if series is None:
            series = _build_lookup(self, name)
            self._lookups[name] = series
        return series


def _build_lookup(stats: FeatureStats, name: str) -> pd.Series:
    kind, _, key = name.partition(":")
    if kind == "vocab":
        values = stats.vocabularies[key]
        return pd.Series(np.arange(len(values), dtype=np.float64), index=pd.Index(values, dtype=object))
    if kind == "uv":
        table_uv = stats.unit_value_medians[key]
        return pd.Series(table_uv, dtype=np.float64)
    if kind == "tax":
        return pd.Series(stats.tax_rate_medians, dtype=np.float64)
    raise KeyError(name)


def derived_columns(items: pd.DataFrame) -> pd.DataFrame:
    """Add the columns every statistic keys on: HS levels and the log unit value."""
    out = items.copy()
    out["hs6"] = items["hs6_code"]
    out["hs4"] = items["hs6_code"].str[:4]
    out["hs2"] = items["hs6_code"].str[:2]
    out["hs6_origin"] = items["hs6_code"] + KEY_SEPARATOR + items["origin_country"]
    out["log_unit_value"] = np.log(items["item_price"].to_numpy() + 1.0) - np.log(
        items["net_mass_kg"].to_numpy() + 0.01
    )
    return out


def key_values(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The key strings of a historical-rate key, one per item (an object array)."""
    columns: list[np.ndarray] = [frame[c].to_numpy(dtype=object) for c in ENCODED_KEYS[name]]
    if len(columns) == 1:
        return columns[0]
    return np.array([KEY_SEPARATOR.join(parts) for parts in zip(*columns, strict=True)], dtype=object)


def fit_histories(frame: pd.DataFrame, fraud: np.ndarray, names: list[str]) -> dict[str, dict[str, list[int]]]:
    """Inspections and frauds per key value."""
    histories: dict[str, dict[str, list[int]]] = {}
    labels = np.asarray(fraud, dtype=np.int64)
    for name in names:
        codes, uniques = pd.factorize(key_values(frame, name))
        inspections = np.bincount(codes, minlength=len(uniques)).tolist()
        frauds = np.bincount(codes, weights=labels, minlength=len(uniques)).astype(np.int64).tolist()
        histories[name] = {str(k): [n, f] for k, n, f in zip(uniques.tolist(), inspections, frauds, strict=True)}
    return histories


def fit_stats(items: pd.DataFrame, fraud: np.ndarray, spec: FeatureSpec) -> FeatureStats:
    """Learn the feature statistics from training items and their inspection outcomes."""
    frame = derived_columns(items)
    vocabularies: dict[str, list[str]] = {}
    for column in (*CODE_COLUMNS, *TRADER_COLUMNS, *HS_COLUMNS, *COUNTRY_COLUMNS):
        counts = frame[column].value_counts()
        vocabularies[column] = sorted(str(v) for v in counts.index[counts >= spec.min_category_count])
    uv_medians: dict[str, dict[str, float]] = {}
    for key in ("hs6", "hs6_origin"):
        grouped = frame.groupby(key)["log_unit_value"].agg(["median", "count"])
        grouped = grouped[grouped["count"] >= MIN_GROUP_FOR_MEDIAN]
        uv_medians[key] = {str(k): float(v) for k, v in grouped["median"].items()}
    tax = frame.groupby("hs6")["tax_rate"].agg(["median", "count"])
    tax = tax[tax["count"] >= MIN_GROUP_FOR_MEDIAN]
    return FeatureStats(
        prior=float(np.mean(fraud)),
        vocabularies=vocabularies,
        histories=fit_histories(frame, fraud, list(ENCODED_KEYS)),
        unit_value_medians=uv_medians,
        tax_rate_medians={str(k): float(v) for k, v in tax["median"].items()},
    )


def build_features(items: pd.DataFrame, stats: FeatureStats, spec: FeatureSpec) -> pd.DataFrame:
    """The feature matrix for items, using statistics learned from training data (serving and evaluation)."""
    frame = derived_columns(items)
    features = _base_features(frame, stats, spec)
    for name in spec.encoded_keys():
        counts = history_counts(frame, name, stats)
        _add_history(features, name, counts, stats.prior, spec)
    return features


def build_training_features(
    items: pd.DataFrame, fraud: np.ndarray, stats: FeatureStats, spec: FeatureSpec
) -> pd.DataFrame:
    """The training matrix: historical fraud rates out-of-fold, so no row sees its own label."""
    frame = derived_columns(items)
    features = _base_features(frame, stats, spec)
    names = spec.encoded_keys()
    if not names:
        return features
    rng = np.random.default_rng(20200101)
    fold_of_row = rng.integers(0, spec.folds, size=len(frame))
    collected = {name: np.zeros((len(frame), 2)) for name in names}
    for fold in range(spec.folds):
        held_out = fold_of_row == fold
        rest = frame.loc[~held_out]
        histories = fit_histories(rest, fraud[~held_out], names)
        fold_stats = FeatureStats(stats.prior, {}, histories, {}, {})
        for name in names:
            collected[name][held_out] = history_counts(frame.loc[held_out], name, fold_stats)
    for name in names:
        # Other folds hold (folds-1)/folds of the history that serving sees; rescale counts to match.
        counts = collected[name] * (spec.folds / (spec.folds - 1))
        _add_history(features, name, counts, stats.prior, spec)
    return features


def history_counts(frame: pd.DataFrame, name: str, stats: FeatureStats) -> np.ndarray:
    """[inspections, frauds] in the training history of each item's key (zeros when unseen)."""
    index, table = stats.history_table(name)
    positions = index.get_indexer(key_values(frame, name))
    # Unknown keys get -1, which picks the all-zero last row: no history, so the prior.
    counts: np.ndarray = table[positions]
    return counts


def _add_history(features: pd.DataFrame, name: str, counts: np.ndarray, prior: float, spec: FeatureSpec) -> None:
    inspections, frauds = counts[:, 0], counts[:, 1]
    features[f"fraud_rate_{name}"] = (frauds + spec.smoothing * prior) / (inspections + spec.smoothing)
    if "history_counts" in spec.groups:
        features[f"history_{name}"] = inspections


def _base_features(frame: pd.DataFrame, stats: FeatureStats, spec: FeatureSpec) -> pd.DataFrame:
    features = pd.DataFrame(index=frame.index)
    for name in spec.categorical_features():
        column = name.removeprefix("cat_")
        features[name] = frame[column].map(stats.lookup(f"vocab:{column}")).astype(np.float64)
    if "value" in spec.groups:
        features["log_item_price"] = np.log1p(frame["item_price"].to_numpy())
        features["log_net_mass"] = np.log1p(frame["net_mass_kg"].to_numpy())
        features["log_unit_value"] = frame["log_unit_value"].to_numpy()
    if "value_deviation" in spec.groups:
        for key in ("hs6", "hs6_origin"):
            median = frame[key].map(stats.lookup(f"uv:{key}")).astype(np.float64)
            features[f"unit_value_vs_{key}"] = frame["log_unit_value"].to_numpy() - median.to_numpy()
    if "tax" in spec.groups:
        features["tax_rate"] = frame["tax_rate"].to_numpy()
        median_tax = frame["hs6"].map(stats.lookup("tax:")).astype(np.float64)
        features["tax_rate_vs_hs6"] = frame["tax_rate"].to_numpy() - median_tax.to_numpy()
    if "calendar" in spec.groups:
        features["weekday"] = frame["submitted_at"].dt.day_of_week.to_numpy(dtype=np.float64)
        features["month"] = frame["submitted_at"].dt.month.to_numpy(dtype=np.float64)
    return features
