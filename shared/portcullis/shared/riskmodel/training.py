"""Training a risk model from labelled declarations into a self-contained artifact."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from portcullis.shared.logging import get_logger
from portcullis.shared.riskmodel.csvdata import LabelledItems, read_items_csv
from portcullis.shared.riskmodel.evaluation import evaluate, weighted_selectivity
from portcullis.shared.riskmodel.features import (
    FeatureSpec,
    build_training_features,
    fit_stats,
)
from portcullis.shared.riskmodel.lanes import (
    DEFAULT_RED_RATE,
    DEFAULT_YELLOW_RATE,
    LaneThresholds,
    reference_quantiles,
)
from portcullis.shared.riskmodel.model import RiskModel

log = get_logger(__name__)

#: 60 trees of up to 127 leaves: as good as 600 trees of 31 leaves on the holdout and the validation quarter
#: (better on both, see "Speed" in docs/model.md) at a tenth of the prediction cost per declaration.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.25,
    "num_leaves": 127,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "cat_l2": 10.0,
    "min_data_per_group": 50,
    "max_cat_to_onehot": 8,
    "verbose": -1,
    "num_threads": 2,
    "seed": 7,
    "deterministic": True,
}
DEFAULT_ROUNDS = 60


@dataclass(frozen=True)
class TrainingConfig:
    """What a training run uses besides the data."""

    spec: FeatureSpec = field(default_factory=FeatureSpec)
    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    rounds: int = DEFAULT_ROUNDS
    red_rate: float = DEFAULT_RED_RATE
    yellow_rate: float = DEFAULT_YELLOW_RATE


def file_fingerprint(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_version(fingerprints: dict[str, str], created_at: datetime) -> str:
    """A readable unique version: `dm-<date>-<time>-<8 hex of the data and settings fingerprint>`."""
    combined = hashlib.sha256("".join(f"{k}={v};" for k, v in sorted(fingerprints.items())).encode())
    return f"dm-{created_at:%Y%m%d-%H%M%S}-{combined.hexdigest()[:8]}"


def fit(
    train: LabelledItems,
    valid: LabelledItems,
    config: TrainingConfig | None = None,
    fingerprints: dict[str, str] | None = None,
    weights: np.ndarray | None = None,
    valid_weights: np.ndarray | None = None,
) -> RiskModel:
    """Train on labelled training items; set lanes and the model card from the validation items.

    `weights` and `valid_weights` (one per item row, e.g. inverse inspection propensities from feedback) weight
    the fit, and make the lane thresholds the weighted population's quantiles rather than the sample's.
    """
    config = config or TrainingConfig()
    if train.fraud is None or valid.fraud is None:
        raise ValueError("training and validation data need the Fraud label")
    started = time.perf_counter()
    created_at = datetime.now(UTC).replace(microsecond=0)
    spec = config.spec
    stats = fit_stats(train.items, train.fraud, spec)
    matrix = build_training_features(train.items, train.fraud, stats, spec)
    dataset = lgb.Dataset(
        matrix,
        label=train.fraud,
        weight=weights,
        categorical_feature=spec.categorical_features() or "auto",
        free_raw_data=True,
    )
    booster = lgb.train(config.params, dataset, num_boost_round=config.rounds)
    # Placeholder thresholds until the validation scores are known.
    model = RiskModel(booster, spec, stats, LaneThresholds.from_quantiles([0.0, 1.0]), {"version": "unset"})
    valid_scores = model.score_items(valid.items)
    quantiles = reference_quantiles(valid_scores, valid_weights)
    model.thresholds = LaneThresholds.from_quantiles(quantiles, config.red_rate, config.yellow_rate)
    metrics = evaluate(valid_scores, valid.fraud, valid.critical)
    if valid_weights is not None:
        # The plain metrics describe the inspected sample; these the population it was drawn from.
        metrics["weighted"] = weighted_selectivity(valid_scores, valid.fraud, valid_weights)
    seconds = time.perf_counter() - started
    settings = {"spec": spec.to_json(), "params": config.params, "rounds": config.rounds}
    all_fingerprints = {
        **(fingerprints or {}),
        "settings": hashlib.sha256(repr(sorted(settings.items())).encode()).hexdigest(),
    }
    model.card = {
        "version": make_version(all_fingerprints, created_at),
        "created_at": created_at.isoformat(),
        "model_type": "lightgbm-binary",
        "lightgbm_version": lgb.__version__,
        "data_fingerprints": all_fingerprints,
        "rows": {"train": len(train.items), "valid": len(valid.items)},
        "fraud_rate": {"train": float(np.mean(train.fraud)), "valid": float(np.mean(valid.fraud))},
        "training": {
            **settings,
            "target": "Fraud",
            "sample_weights": "given (inverse inspection propensity)" if weights is not None else "none",
            "score_aggregation": "declaration score = max over its items",
            "training_seconds": round(seconds, 2),
        },
        "lanes": model.thresholds.to_json(),
        "metrics_valid": metrics,
        "feature_importance_gain": dict(
            zip(
                booster.feature_name(),
                (float(g) for g in booster.feature_importance(importance_type="gain")),
                strict=True,
            )
        ),
    }
    log.info(
        "model_trained",
        version=model.version,
        seconds=round(seconds, 2),
        precision_at_5pct=round(metrics["precision_at_5pct"], 4),
        precision_at_10pct=round(metrics["precision_at_10pct"], 4),
        auc=round(metrics["auc"], 4),
    )
    return model


def train_model(
    train_csv: Path,
    valid_csv: Path,
    out_dir: Path | None = None,
    config: TrainingConfig | None = None,
) -> RiskModel:
    """Train from the data set's CSV files; write the artifact to `out_dir` when given."""
    train = read_items_csv(train_csv, require_labels=True)
    valid = read_items_csv(valid_csv, require_labels=True)
    fingerprints = {"train_csv": file_fingerprint(train_csv), "valid_csv": file_fingerprint(valid_csv)}
    model = fit(train, valid, config, fingerprints)
    model.card["data_files"] = {"train_csv": train_csv.name, "valid_csv": valid_csv.name}
    if out_dir is not None:
        model.save(out_dir)
        log.info("artifact_written", version=model.version, path=str(out_dir))
    return model
