"""Feature ablation: each idea measured on a temporal holdout of the training year and on the validation quarter.

Run with `python -m portcullis.shared.riskmodel.ablation TRAIN_CSV VALID_CSV` (a few minutes on 2 cores).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from portcullis.shared.logging import get_logger
from portcullis.shared.riskmodel.csvdata import LabelledItems, read_items_csv
from portcullis.shared.riskmodel.evaluation import precision_at, roc_auc
from portcullis.shared.riskmodel.features import ALL_GROUPS, DEFAULT_GROUPS, ENCODED_KEYS, FeatureSpec
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit

log = get_logger(__name__)

#: The training year's last quarter: a holdout that is as far in time from the rest as validation is.
HOLDOUT_FROM = "2020-10-01"


def variants(base: FeatureSpec) -> dict[str, FeatureSpec]:
    """The configurations compared: the default, additions that were dropped, and one idea removed at a time."""
    out: dict[str, FeatureSpec] = {
        "default": base,
        "+ trader ids as categoricals": replace(base, groups=ALL_GROUPS),
        "+ trader and combination fraud rates (all keys)": replace(base, history_keys=tuple(ENCODED_KEYS)),
        "- all historical fraud rates": replace(base, groups=tuple(g for g in base.groups if g != "fraud_rate")),
    }
    for key in base.history_keys:
        out[f"- fraud rate of {key}"] = replace(base, history_keys=tuple(k for k in base.history_keys if k != key))
    for group in base.groups:
        if group != "fraud_rate":
            out[f"- {group}"] = replace(base, groups=tuple(g for g in base.groups if g != group))
    return out


def _subset(data: LabelledItems, mask: np.ndarray) -> LabelledItems:
    assert data.fraud is not None
    return LabelledItems(
        items=data.items.loc[mask].reset_index(drop=True),
        fraud=data.fraud[mask],
        critical=None if data.critical is None else data.critical[mask],
    )


def _measure(train: LabelledItems, test: LabelledItems, config: TrainingConfig) -> tuple[float, float, float]:
    model = fit(train, test, config)
    assert test.fraud is not None
    scores = model.score_items(test.items)
    return (
        precision_at(test.fraud, scores, 0.05),
        precision_at(test.fraud, scores, 0.10),
        roc_auc(test.fraud, scores),
    )


def run(train_csv: Path, valid_csv: Path, only: list[str] | None = None) -> str:
    """The ablation table in markdown."""
    train = read_items_csv(train_csv, require_labels=True)
    valid = read_items_csv(valid_csv, require_labels=True)
    early = (train.items["submitted_at"] < HOLDOUT_FROM).to_numpy()
    fit_part, holdout = _subset(train, early), _subset(train, ~early)
    lines = [
        "| variant | Q4-2020 holdout P@5% | P@10% | AUC | 2021-Q1 validation P@5% | P@10% | AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, spec in variants(FeatureSpec(groups=DEFAULT_GROUPS)).items():
        if only and name not in only:
            continue
        # One thread: on a shared 2-core machine OpenMP spinning makes two threads slower, not faster.
        config = TrainingConfig(spec=spec, params={**DEFAULT_PARAMS, "num_threads": 1})
        h5, h10, hauc = _measure(fit_part, holdout, config)
        v5, v10, vauc = _measure(train, valid, config)
        log.info("ablation_variant", variant=name, holdout_p10=round(h10, 3), valid_p10=round(v10, 3))
        lines.append(f"| {name} | {h5:.3f} | {h10:.3f} | {hauc:.4f} | {v5:.3f} | {v10:.3f} | {vauc:.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(run(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or None) + "\n")
