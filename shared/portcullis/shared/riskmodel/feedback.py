"""Training data from feedback: the gateway's decisions and inspection outcomes, joined to the declarations.

The decisions and outcomes come from the gateway's feedback export (`GET /v1/exports/feedback`, JSON Lines), never
from its tables: the store is the gateway's own.

Only inspected declarations have a label, and they are not a random sample: red and yellow lanes are inspected
because the model or a rule found them risky. Each labelled declaration is weighted by the inverse of its
probability of being inspected (its propensity), so that weighted estimates hold for the whole population:

- red or yellow by score, rule or watchlist: inspected for certain given its lane, propensity 1;
- blue (released for post-clearance audit): every blue declaration is audited, propensity 1;
- green, then drawn by random selection: propensity = the random selection rate (1 % by default, weight 100);
- green and not drawn: never inspected, so no label (propensity 0): the random draws stand for them.

Outcomes that say "not inspected" carry no label and are left out; so are inspections of green, undrawn
declarations (their propensity is unknown). Both are counted in the summary.

The gateway stores decisions (with filterable attributes), not the declarations' content; the features come from
an export of the declaration system in the data set's CSV layout, joined on the declaration id. Its `Fraud`
column, if any, is ignored: labels come from the outcomes only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from portcullis.shared.riskmodel.csvdata import LabelledItems, read_items_csv


@dataclass(frozen=True)
class FeedbackSummary:
    """What the store held, what was used, and the irregularity rate estimated with and without the weights."""

    decisions: int
    labelled: int
    by_lane: dict[str, int]
    random_selections: int
    pending: int  # red or yellow without an outcome yet
    not_inspected: int  # outcome says not inspected
    unknown_propensity: int  # inspections of green, undrawn declarations
    missing_declarations: int  # labelled, but not in the declarations export
    unweighted_rate: float
    weighted_rate: float
    weighted_rate_se: float

    def lines(self) -> list[str]:
        """The summary as lines for a terminal."""
        lanes = ", ".join(f"{lane} {count}" for lane, count in sorted(self.by_lane.items()))
        return [
            f"decisions {self.decisions:,}; labelled (inspected) {self.labelled:,}: {lanes}; "
            f"of them random selections {self.random_selections:,}",
            f"left out: {self.pending:,} without an outcome, {self.not_inspected:,} not inspected, "
            f"{self.unknown_propensity:,} inspected outside selectivity, "
            f"{self.missing_declarations:,} not in the declarations export",
            f"irregularity rate: weighted {self.weighted_rate:.4f} (± {1.96 * self.weighted_rate_se:.4f}, 95%), "
            f"unweighted {self.unweighted_rate:.4f} (the inspected items only, biased towards the risky lanes)",
        ]


@dataclass(frozen=True)
class FeedbackSet:
    """Labelled items for training (label = the declaration's outcome) with their inverse-propensity weights."""

    train: LabelledItems
    weights: np.ndarray  # one per item row of train.items
    valid: LabelledItems
    valid_weights: np.ndarray
    summary: FeedbackSummary


def weighted_rate(labels: np.ndarray, propensities: np.ndarray) -> tuple[float, float]:
    """Hájek estimate of the population's share of positives from a Poisson sample, and its standard error.

    Each labelled unit i was drawn with probability p_i; the estimate is sum(y/p) / sum(1/p). The standard error
    is the usual linearisation: sqrt(sum((1 - p) / p^2 * (y - estimate)^2)) / sum(1/p).
    """
    if len(labels) == 0:
        return math.nan, math.nan
    y = labels.astype(float)
    p = propensities.astype(float)
    total = float(np.sum(1 / p))
    estimate = float(np.sum(y / p) / total)
    variance = float(np.sum((1 - p) / p**2 * (y - estimate) ** 2)) / total**2
    return estimate, math.sqrt(variance)


def propensities(decisions: pd.DataFrame, random_rate: float) -> np.ndarray:
    """Each decision's probability of being inspected given how it was decided (0 for green, undrawn ones).

    A random selection's own rate is taken from its `random` reason when the reason records it (as `weight`),
    else `random_rate`, the rate in force when it was drawn.
    """
    if not 0 < random_rate <= 1:
        raise ValueError("the random selection rate must be in (0, 1]")
    result = np.zeros(len(decisions))
    for index, (lane, drawn, reasons) in enumerate(
        zip(decisions["lane"], decisions["random_selection"], decisions["reasons"], strict=True)
    ):
        if drawn:
            recorded = next((r.get("weight") for r in reasons if r.get("kind") == "random" and r.get("weight")), None)
            result[index] = float(recorded) if recorded else random_rate
        elif lane in ("red", "yellow", "blue"):
            result[index] = 1.0
    return result


#: The columns of the decisions frame, as the gateway's feedback export (`GET /v1/exports/feedback`) names them.
DECISION_COLUMNS = (
    "subject_id",
    "lane",
    "random_selection",
    "reasons",
    "decided_at",
    "inspected",
    "irregularity_found",
)


def read_decisions(lines: Iterable[bytes | str]) -> pd.DataFrame:
    """The declaration decisions with their outcomes (None where none was reported) from the gateway's feedback
    export, one JSON document a line (blank lines are skipped)."""
    columns: dict[str, list[Any]] = {name: [] for name in DECISION_COLUMNS}
    for line in lines:
        if not line.strip():
            continue
        record = orjson.loads(line)
        for name in DECISION_COLUMNS:
            columns[name].append(record[name])
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
    frame["reasons"] = [list(value or []) for value in frame["reasons"]]
    frame["random_selection"] = frame["random_selection"].astype(bool)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, format="ISO8601")
    return frame


def summarise(decisions: pd.DataFrame, random_rate: float) -> tuple[pd.DataFrame, FeedbackSummary]:
    """The labelled decisions (with `propensity` and `weight`) and the summary of the whole store."""
    propensity = propensities(decisions, random_rate)
    inspected = decisions["inspected"].eq(True).to_numpy()
    has_outcome = decisions["inspected"].notna().to_numpy()
    selected = propensity > 0
    labelled = decisions[inspected & selected].assign(
        propensity=propensity[inspected & selected],
        label=lambda frame: frame["irregularity_found"].astype(bool).astype(np.int64),
    )
    labelled = labelled.assign(weight=1 / labelled["propensity"])
    estimate, error = weighted_rate(labelled["label"].to_numpy(), labelled["propensity"].to_numpy())
    summary = FeedbackSummary(
        decisions=len(decisions),
        labelled=len(labelled),
        by_lane={str(k): int(v) for k, v in labelled["lane"].value_counts().items()},
        random_selections=int(labelled["random_selection"].sum()),
        pending=int(np.sum(selected & ~has_outcome)),
        not_inspected=int(np.sum(has_outcome & ~inspected)),
        unknown_propensity=int(np.sum(inspected & ~selected)),
        missing_declarations=0,
        unweighted_rate=float(labelled["label"].mean()) if len(labelled) else math.nan,
        weighted_rate=estimate,
        weighted_rate_se=error,
    )
    return labelled, summary


def build_feedback(
    decisions: pd.DataFrame, declarations_csv: Path, random_rate: float, valid_share: float = 0.2
) -> FeedbackSet:
    """The labelled, weighted items: the latest `valid_share` of decisions (by decision time) for validation."""
    labelled, summary = summarise(decisions, random_rate)
    exported = read_items_csv(declarations_csv)
    items = exported.items
    known = set(items["declaration_id"].astype(str))
    missing = int((~labelled["subject_id"].isin(known)).sum())
    labelled = labelled[labelled["subject_id"].isin(known)].sort_values("decided_at", kind="stable")
    summary = FeedbackSummary(**{**summary.__dict__, "missing_declarations": missing})
    if len(labelled) < 10:
        raise ValueError(f"only {len(labelled)} inspected declarations with outcomes: too few to train on")
    cut = int(len(labelled) * (1 - valid_share))
    train = _items_of(items, labelled.iloc[:cut])
    valid = _items_of(items, labelled.iloc[cut:])
    return FeedbackSet(train[0], train[1], valid[0], valid[1], summary)


def _items_of(items: pd.DataFrame, labelled: pd.DataFrame) -> tuple[LabelledItems, np.ndarray]:
    by_id = labelled.set_index("subject_id")
    chosen = items[items["declaration_id"].astype(str).isin(by_id.index)].reset_index(drop=True)
    ids = chosen["declaration_id"].astype(str)
    labels = by_id.loc[ids, "label"].to_numpy(dtype=np.int64)
    weights = by_id.loc[ids, "weight"].to_numpy(dtype=float)
    return LabelledItems(items=chosen, fraud=labels, critical=None), weights


def export_csv(feedback: FeedbackSet, declarations_csv: Path, out: Path) -> int:
    """Write the labelled training and validation items in the data set's layout with `Fraud` from the outcomes,
    a `Weight` column (1 / propensity) and a `Split` column; return the rows written."""
    raw = pd.read_csv(declarations_csv, dtype=str, keep_default_na=False)
    raw = raw.drop(columns=[c for c in ("Fraud", "Critical Fraud") if c in raw.columns])
    rows = []
    for split, labelled, weights in (
        ("train", feedback.train, feedback.weights),
        ("valid", feedback.valid, feedback.valid_weights),
    ):
        assert labelled.fraud is not None
        labels = pd.DataFrame(
            {
                "Declaration ID": labelled.items["declaration_id"].astype(str),
                "Fraud": labelled.fraud,
                "Weight": weights,
                "Split": split,
            }
        ).drop_duplicates("Declaration ID")
        rows.append(raw.merge(labels, on="Declaration ID", how="inner"))
    combined = pd.concat(rows, ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    combined.to_csv(out, index=False)
    return len(combined)
