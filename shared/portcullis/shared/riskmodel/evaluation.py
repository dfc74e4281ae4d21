"""Selectivity metrics: precision and recall at inspection rates, AUC, calibration."""

from __future__ import annotations

from typing import Any

import numpy as np

INSPECTION_RATES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)
RELIABILITY_BINS = 10


def top_share(scores: np.ndarray, rate: float) -> np.ndarray:
    """Indices of the highest-scoring `rate` share of rows (ties broken by position)."""
    count = max(1, round(len(scores) * rate))
    return np.argsort(-scores, kind="stable")[:count]


def precision_at(fraud: np.ndarray, scores: np.ndarray, rate: float) -> float:
    """Share of frauds among the top `rate` of rows by score."""
    return float(np.mean(fraud[top_share(scores, rate)]))


def recall_at(positive: np.ndarray, scores: np.ndarray, rate: float) -> float:
    """Share of all positives found by inspecting the top `rate` of rows by score."""
    total = int(np.sum(positive))
    return float(np.sum(positive[top_share(scores, rate)]) / total) if total else float("nan")


def roc_auc(fraud: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (rank statistic, ties averaged)."""
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # Average the ranks of tied scores.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2
    positives = int(np.sum(fraud))
    negatives = len(fraud) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    return float((np.sum(ranks[fraud == 1]) - positives * (positives + 1) / 2) / (positives * negatives))


def reliability(fraud: np.ndarray, scores: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict[str, float]]:
    """Mean predicted score vs observed fraud rate in equal-width score bins (empty bins left out)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    table: list[dict[str, float]] = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            table.append(
                {
                    "bin_low": float(edges[b]),
                    "bin_high": float(edges[b + 1]),
                    "count": float(mask.sum()),
                    "mean_score": float(scores[mask].mean()),
                    "fraud_rate": float(fraud[mask].mean()),
                }
            )
    return table


def evaluate(scores: np.ndarray, fraud: np.ndarray, critical: np.ndarray | None = None) -> dict[str, Any]:
    """All selectivity metrics of scores against inspection outcomes."""
    scores = np.asarray(scores, dtype=np.float64)
    fraud = np.asarray(fraud, dtype=np.int64)
    metrics: dict[str, Any] = {
        "rows": len(scores),
        "fraud_rate": float(fraud.mean()),
        "auc": roc_auc(fraud, scores),
        "brier": float(np.mean((scores - fraud) ** 2)),
    }
    for rate in INSPECTION_RATES:
        label = f"{rate * 100:g}pct"
        metrics[f"precision_at_{label}"] = precision_at(fraud, scores, rate)
        metrics[f"recall_at_{label}"] = recall_at(fraud, scores, rate)
        if critical is not None:
            metrics[f"critical_recall_at_{label}"] = recall_at(
                (np.asarray(critical) == 2).astype(np.int64), scores, rate
            )
    if critical is not None:
        metrics["critical_count"] = int(np.sum(np.asarray(critical) == 2))
    metrics["reliability"] = reliability(fraud, scores)
    return metrics


def weighted_selectivity(scores: np.ndarray, fraud: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """Irregularity rate and precision at inspection rates for a weighted sample (weights = 1 / propensity).

    The top `rate` share is taken of the weight (the population the sample stands for), not of the rows.
    """
    scores = np.asarray(scores, dtype=np.float64)
    fraud = np.asarray(fraud, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    cumulative = np.cumsum(weights[order])
    total = float(cumulative[-1]) if len(cumulative) else 0.0
    metrics = {"fraud_rate": float(np.sum(weights * fraud) / total) if total else float("nan")}
    for rate in INSPECTION_RATES:
        top = order[: max(1, int(np.searchsorted(cumulative, rate * total, side="right")))]
        metrics[f"precision_at_{rate * 100:g}pct"] = float(np.sum(weights[top] * fraud[top]) / np.sum(weights[top]))
    return metrics
