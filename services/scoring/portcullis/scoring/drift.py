"""Drift of the score distribution against training: the population stability index (PSI) of recent scores.

The model artifact carries 1001 quantiles of its reference (validation) scores. Their deciles cut the score range
into ten bins that each held a tenth of the reference; PSI compares the share of the last `window` scores in each
bin with the reference's: sum((observed - expected) * ln(observed / expected)). Common reading: below 0.1 stable,
0.1 to 0.25 a moderate shift, above 0.25 a significant one.
"""

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from portcullis.scoring.metrics import SCORE_PSI, SCORE_PSI_SAMPLE

#: Scores in the sliding window: about ten seconds at full speed, hours at a quiet office.
DEFAULT_WINDOW = 10_000
#: Equal-mass bins of the reference distribution (deciles), the usual choice for PSI.
DEFAULT_BINS = 10
#: An empty bin would make ln(observed / expected) infinite; shares are floored at this.
_FLOOR = 1e-4


class ReferenceModel(Protocol):
    """What drift needs of a model: its version and the reference quantiles of its scores."""

    @property
    def version(self) -> str: ...
    @property
    def reference_quantiles(self) -> tuple[float, ...]: ...


def bin_edges(quantiles: Sequence[float], bins: int = DEFAULT_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Inner bin edges at the reference's equal-mass cut points, and the reference share of each bin.

    Ties in the reference (a score many declarations share) merge bins; the shares then come from the quantiles.
    """
    reference = np.asarray(quantiles, dtype=np.float64)
    if reference.ndim != 1 or len(reference) < 2:
        raise ValueError("need at least two reference quantiles")
    probabilities = np.linspace(0.0, 1.0, len(reference))
    cuts = np.unique(np.interp(np.linspace(0.0, 1.0, bins + 1)[1:-1], probabilities, reference))
    # Share of the reference at or below each cut: the highest quantile level whose value is <= the cut.
    below = probabilities[np.searchsorted(reference, cuts, side="right") - 1]
    expected = np.diff(np.concatenate(([0.0], below, [1.0])))
    return cuts, expected


def population_stability_index(observed_counts: np.ndarray, expected_shares: np.ndarray) -> float:
    """PSI of observed bin counts against expected bin shares (shares floored so that empty bins stay finite)."""
    total = observed_counts.sum()
    if total == 0:
        return 0.0
    observed = np.maximum(observed_counts / total, _FLOOR)
    expected = np.maximum(expected_shares, _FLOOR)
    return float(np.sum((observed - expected) * np.log(observed / expected)))


class ScoreDrift:
    """PSI of the last `window` scores of the model in use against its reference, exported as a gauge per version.

    A new model version starts an empty window and the old version's gauges are removed: drift is always about
    the model that sets the lanes now.
    """

    def __init__(self, window: int = DEFAULT_WINDOW, bins: int = DEFAULT_BINS) -> None:
        self._window = window
        self._bins = bins
        self._version: str | None = None
        self._cuts = np.zeros(0)
        self._expected = np.ones(1)
        self._ring = np.zeros(window, dtype=np.int16)  # bin index of each score in the window
        self._counts = np.zeros(1, dtype=np.int64)
        self._seen = 0

    def observe(self, model: ReferenceModel, scores: Sequence[float]) -> float:
        """Add a batch's scores to the window of `model`; update and return its PSI."""
        if model.version != self._version:
            self._start(model)
        if len(scores) == 0:
            return self.psi
        # Bin k holds the scores in (cut k-1, cut k], as the reference shares count them.
        indices = np.searchsorted(self._cuts, np.asarray(scores, dtype=np.float64), side="left").astype(np.int16)
        if len(indices) >= self._window:
            indices = indices[-self._window :]
        # Positions in the ring buffer; those written before hold the oldest scores, which leave the window.
        positions = (self._seen + np.arange(len(indices))) % self._window
        reused = positions[max(0, self._window - self._seen) :]
        if len(reused):
            self._counts -= np.bincount(self._ring[reused], minlength=len(self._counts))
        self._ring[positions] = indices
        self._counts += np.bincount(indices, minlength=len(self._counts))
        self._seen += len(indices)
        psi = self.psi
        assert self._version is not None
        SCORE_PSI.labels(self._version).set(psi)
        SCORE_PSI_SAMPLE.labels(self._version).set(self.sample_size)
        return psi

    @property
    def psi(self) -> float:
        """The PSI of the window now (0 while it is empty)."""
        return population_stability_index(self._counts, self._expected)

    @property
    def sample_size(self) -> int:
        """Scores in the window now."""
        return min(self._seen, self._window)

    def _start(self, model: ReferenceModel) -> None:
        if self._version is not None:
            for gauge in (SCORE_PSI, SCORE_PSI_SAMPLE):
                try:
                    gauge.remove(self._version)
                except KeyError:  # no score was observed for that version
                    pass
        self._version = model.version
        self._cuts, self._expected = bin_edges(model.reference_quantiles, self._bins)
        self._counts = np.zeros(len(self._expected), dtype=np.int64)
        self._seen = 0


#: The drift of the declarations model in this process (fed by the pipeline after each batch).
SCORE_DRIFT = ScoreDrift()
