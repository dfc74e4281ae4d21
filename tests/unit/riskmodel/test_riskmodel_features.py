"""The shared feature pipeline: statistics from training only, out-of-fold rates, unseen categories."""

import numpy as np
import pandas as pd

from portcullis.shared.riskmodel.features import (
    ALL_GROUPS,
    FeatureSpec,
    build_features,
    build_training_features,
    fit_stats,
)
from portcullis.shared.riskmodel.frame import normalise_items


def _items(rows: list[dict[str, object]]) -> pd.DataFrame:
    base: dict[str, object] = {
        "item_index": 0,
        "submitted_at": "2020-03-02",
        "declaration_id": "D1",
        "office_id": "30",
        "process_type": "B",
        "import_type": "11",
        "import_use": "21",
        "payment_type": "11",
        "transport_mode": "10",
        "declarant_id": "DEC1",
        "importer_id": "IMP1",
        "seller_id": "SEL1",
        "courier_id": None,
        "hs6_code": "851712",
        "origin_country": "CN",
        "departure_country": "CN",
        "origin_indicator": "Y",
        "tax_type": "A",
        "tax_rate": 8.0,
        "net_mass_kg": 10.0,
        "item_price": 1000.0,
    }
    return normalise_items(pd.DataFrame([{**base, "declaration_id": f"D{i}", **row} for i, row in enumerate(rows)]))


SPEC = FeatureSpec(groups=ALL_GROUPS, smoothing=10.0, folds=2, history_keys=("importer", "hs6", "hs6_origin"))


def test_importer_fraud_rate_is_smoothed_history_and_unknown_importer_gets_the_prior() -> None:
    train = _items([{"importer_id": "BAD"}] * 10 + [{"importer_id": "GOOD"}] * 10)
    fraud = np.array([1] * 9 + [0] + [0] * 10)
    stats = fit_stats(train, fraud, SPEC)
    serve = _items([{"importer_id": "BAD"}, {"importer_id": "GOOD"}, {"importer_id": "NEWCOMER"}])
    features = build_features(serve, stats, SPEC)
    prior = 9 / 20
    rates = features["fraud_rate_importer"].to_numpy()
    assert rates[0] == (9 + 10 * prior) / (10 + 10)
    assert rates[1] == (0 + 10 * prior) / (10 + 10)
    assert rates[2] == prior
    assert features["history_importer"].tolist() == [10, 10, 0]


def test_training_rates_never_see_the_rows_own_label() -> None:
    # Every importer appears once: out-of-fold, each row's own outcome must not leak into its rate.
    train = _items([{"importer_id": f"IMP{i}"} for i in range(40)])
    fraud = np.array([1, 0] * 20)
    stats = fit_stats(train, fraud, SPEC)
    features = build_training_features(train, fraud, stats, SPEC)
    assert np.allclose(features["fraud_rate_importer"], stats.prior)
    assert (features["history_importer"] == 0).all()


def test_unit_value_deviation_measures_undervaluation_against_the_hs6_median() -> None:
    train = _items([{"item_price": 1000.0, "net_mass_kg": 10.0}] * 9)
    stats = fit_stats(train, np.zeros(9, dtype=np.int64), SPEC)
    serve = _items([{"item_price": 250.0, "net_mass_kg": 10.0}, {"hs6_code": "999999"}])
    features = build_features(serve, stats, SPEC)
    assert np.exp(features.loc[0, "unit_value_vs_hs6"]) < 0.26
    assert np.exp(features.loc[0, "unit_value_vs_hs6_origin"]) < 0.26
    # An HS code never seen in training has no norm: missing, not an error.
    assert np.isnan(features.loc[1, "unit_value_vs_hs6"])
    assert np.isnan(features.loc[1, "cat_hs6"])


def test_missing_seller_is_one_known_category_for_both_paths() -> None:
    items = _items([{"seller_id": None}, {"seller_id": ""}])
    assert items["seller_id"].tolist() == ["UNKNOWN", "UNKNOWN"]
