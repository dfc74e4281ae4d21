"""Lane thresholds from inspection capacity: expected shares of red and yellow, as score quantiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from portcullis.shared.schemas import Lane

DEFAULT_RED_RATE = 0.05
DEFAULT_YELLOW_RATE = 0.10
#: Quantiles stored from the reference score distribution: 0%, 0.1%, ..., 100%.
REFERENCE_QUANTILE_COUNT = 1001


def reference_quantiles(scores: np.ndarray, weights: np.ndarray | None = None) -> list[float]:
    """The 1001 quantiles (0.1% steps) of a score distribution, for thresholds and drift monitoring.

    With `weights` (inverse inspection propensities), the quantiles are those of the population the weighted
    sample stands for, not of the sample itself.
    """
    probabilities = np.linspace(0.0, 1.0, REFERENCE_QUANTILE_COUNT)
    values = np.asarray(scores, dtype=np.float64)
    if weights is None:
        return [float(q) for q in np.quantile(values, probabilities)]
    order = np.argsort(values, kind="stable")
    ordered_weights = np.asarray(weights, dtype=np.float64)[order]
    # Each row stands at the middle of its share of the cumulative weight (the weighted form of "linear").
    cumulative = (np.cumsum(ordered_weights) - ordered_weights / 2) / ordered_weights.sum()
    return [float(q) for q in np.interp(probabilities, cumulative, values[order])]


def _score_at_upper_share(quantiles: list[float], share: float) -> float:
    """The score above which `share` of the reference distribution lies."""
    probabilities = np.linspace(0.0, 1.0, len(quantiles))
    return float(np.interp(1.0 - share, probabilities, quantiles))


@dataclass(frozen=True)
class LaneThresholds:
    """Score cut-offs for red and yellow, derived from the expected share of each lane."""

    red: float
    yellow: float
    red_rate: float
    yellow_rate: float
    quantiles: tuple[float, ...]

    @classmethod
    def from_quantiles(
        cls,
        quantiles: list[float] | tuple[float, ...],
        red_rate: float = DEFAULT_RED_RATE,
        yellow_rate: float = DEFAULT_YELLOW_RATE,
    ) -> LaneThresholds:
        """Thresholds that send `red_rate` of the reference scores to red and `yellow_rate` to yellow."""
        if not 0.0 <= red_rate <= 1.0 or not 0.0 <= yellow_rate <= 1.0 or red_rate + yellow_rate > 1.0:
            raise ValueError(f"lane rates must be in 0..1 and sum to at most 1: {red_rate}, {yellow_rate}")
        if len(quantiles) < 2:
            raise ValueError("need at least two reference quantiles")
        qs = list(quantiles)
        red = _score_at_upper_share(qs, red_rate) if red_rate > 0 else float("inf")
        yellow = _score_at_upper_share(qs, red_rate + yellow_rate) if yellow_rate > 0 else red
        return cls(red=red, yellow=min(yellow, red), red_rate=red_rate, yellow_rate=yellow_rate, quantiles=tuple(qs))

    def with_rates(self, red_rate: float, yellow_rate: float) -> LaneThresholds:
        """The same reference distribution with other lane rates (a deployment's inspection capacity)."""
        return LaneThresholds.from_quantiles(self.quantiles, red_rate, yellow_rate)

    def lane_for(self, score: float) -> Lane:
        """The lane of a score."""
        if score >= self.red:
            return Lane.RED
        if score >= self.yellow:
            return Lane.YELLOW
        return Lane.GREEN

    def lanes_for(self, scores: np.ndarray) -> list[Lane]:
        """The lanes of many scores."""
        return [self.lane_for(float(s)) for s in scores]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the artifact (the quantiles are stored separately)."""
        return {"red": self.red, "yellow": self.yellow, "red_rate": self.red_rate, "yellow_rate": self.yellow_rate}
