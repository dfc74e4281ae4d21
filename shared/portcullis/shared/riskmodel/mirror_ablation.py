"""Does the mirror gap per origin x HS6 help the model? Measured on the Korea Customs data (docs/model.md).

The validation quarter's gaps come from the vendored mirror sample (`data/mirror-sample`: partner figures generated
from that quarter's true values, six planted pairs under-invoiced in its `declarations.csv`); the training year has
no partner figures, so the same generator makes them for 2020 (seed 17, planted pairs too). Each item gets the gap
of its pair (1 - declared / partner US dollars per kg over the period; NaN without one), as the rule field does.
Compared with the default model: precision, the share of irregular items' duty (item price x duty rate, the data
set's only stand-in for revenue) in the top 5% (the red-lane share) and 10%, and AUC.

Run with `python -m portcullis.shared.riskmodel.mirror_ablation TRAIN_CSV MIRROR_SAMPLE_DIR` (a few minutes).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pycountry

from portcullis.shared.riskmodel.csvdata import LabelledItems, items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.evaluation import precision_at, roc_auc, top_share
from portcullis.shared.riskmodel.features import FeatureSpec, build_features, build_training_features, fit_stats
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, DEFAULT_ROUNDS
from portcullis.shared.synthetic.mirror import generate_mirror_sample

CIF_FOB = 1.10
GAP = "mirror_unit_value_gap"


def pair_gaps(comtrade_csv: str, rates_csv: str, items: pd.DataFrame, country: str = "KOR") -> pd.Series:
    """The unit-value gap per (origin, HS6) over the months partners reported, indexed by `origin|hs6`."""
    partner = pd.read_csv(io.StringIO(comtrade_csv), dtype=str)
    partner = partner[(partner["flowCode"] == "X") & (partner["partnerISO"] == country)]
    alpha2 = {str(c.alpha_3): str(c.alpha_2) for c in pycountry.countries}
    partner = partner.assign(
        key=partner["reporterISO"].map(alpha2) + "|" + partner["cmdCode"],
        usd=partner["fobvalue"].astype(float),
        kg=partner["netWgt"].astype(float),
    )
    partner_uv = partner.groupby("key")["usd"].sum() / partner.groupby("key")["kg"].sum()
    rates = pd.read_csv(io.StringIO(rates_csv), dtype={"period": str}).set_index("period")["usd_per_unit"]
    months = items["submitted_at"].dt.strftime("%Y-%m")
    declared = pd.DataFrame(
        {
            "key": items["origin_country"] + "|" + items["hs6_code"],
            "usd": items["item_price"] * months.map(rates).to_numpy() / CIF_FOB,
            "kg": items["net_mass_kg"],
        }
    )
    declared_uv = declared.groupby("key")["usd"].sum() / declared.groupby("key")["kg"].sum()
    both = pd.concat([declared_uv.rename("declared"), partner_uv.rename("partner")], axis=1, join="inner")
    both = both[(both["partner"] > 0) & np.isfinite(both["declared"])]
    return (1.0 - both["declared"] / both["partner"]).rename(GAP)


def item_gaps(items: pd.DataFrame, gaps: pd.Series) -> np.ndarray:
    """Each item's pair gap (NaN when the pair has none)."""
    keys = items["origin_country"] + "|" + items["hs6_code"]
    values: np.ndarray = keys.map(gaps).to_numpy(dtype=np.float64)
    return values


def _generated(train: LabelledItems) -> tuple[LabelledItems, pd.Series]:
    """Partner figures for the training year from the same generator; its declarations with the planted prices."""
    declarations = [d.model_dump(mode="json") for d in items_to_declarations(train.items)]
    sample = generate_mirror_sample(declarations)
    lowered = train.items.copy()
    shares = lowered["hs6_code"].combine(lowered["origin_country"], lambda h, o: sample.planted.get((h, o), 1.0))
    lowered["item_price"] = (lowered["item_price"] * shares).round(2)
    planted = LabelledItems(lowered, train.fraud, train.critical)
    return planted, pair_gaps(sample.comtrade_csv, sample.rates_csv, lowered)


def _duty_share(items: pd.DataFrame, fraud: np.ndarray, scores: np.ndarray, rate: float) -> float:
    duty = (items["item_price"] * items["tax_rate"] / 100.0).to_numpy() * fraud
    return float(duty[top_share(scores, rate)].sum() / duty.sum())


def _scores(train: LabelledItems, valid: LabelledItems, extra: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    assert train.fraud is not None
    spec = FeatureSpec()
    stats = fit_stats(train.items, train.fraud, spec)
    matrix = build_training_features(train.items, train.fraud, stats, spec)
    test = build_features(valid.items, stats, spec)
    if extra is not None:
        matrix[GAP], test[GAP] = extra
    params = {**DEFAULT_PARAMS, "num_threads": 1}
    dataset = lgb.Dataset(matrix, label=train.fraud, categorical_feature=spec.categorical_features() or "auto")
    booster = lgb.train(params, dataset, num_boost_round=DEFAULT_ROUNDS)
    return np.asarray(booster.predict(test), dtype=np.float64)


def run(train_csv: Path, mirror_dir: Path) -> str:
    """The comparison table in markdown."""
    train = read_items_csv(train_csv, require_labels=True)
    valid = read_items_csv(mirror_dir / "declarations.csv", require_labels=True)  # the planted prices
    assert valid.fraud is not None
    valid_gaps = pair_gaps(
        (mirror_dir / "comtrade.csv").read_text(), (mirror_dir / "rates-krw.csv").read_text(), valid.items
    )
    planted_train, train_gaps = _generated(train)
    covered = np.isfinite(item_gaps(valid.items, valid_gaps))
    lines = [
        f"validation items with a gap: {covered.mean():.1%}; irregular among them {valid.fraud[covered].mean():.3f}, "
        f"without {valid.fraud[~covered].mean():.3f}; AUC of the gap alone (items with one): "
        f"{roc_auc(valid.fraud[covered], item_gaps(valid.items, valid_gaps)[covered]):.4f}",
        "",
        "| variant | P@5% | P@10% | duty share @5% | duty share @10% | AUC |",
        "|---|---|---|---|---|---|",
    ]
    variants: dict[str, tuple[LabelledItems, tuple[np.ndarray, np.ndarray] | None]] = {
        "default": (train, None),
        "default, trained on the planted prices": (planted_train, None),
        f"+ {GAP}": (planted_train, (item_gaps(planted_train.items, train_gaps), item_gaps(valid.items, valid_gaps))),
    }
    for name, (training, extra) in variants.items():
        scores = _scores(training, valid, extra)
        fraud = valid.fraud
        lines.append(
            f"| {name} | {precision_at(fraud, scores, 0.05):.3f} | {precision_at(fraud, scores, 0.10):.3f} | "
            f"{_duty_share(valid.items, fraud, scores, 0.05):.3f} | {_duty_share(valid.items, fraud, scores, 0.10):.3f}"
            f" | {roc_auc(fraud, scores):.4f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(run(Path(sys.argv[1]), Path(sys.argv[2])) + "\n")
