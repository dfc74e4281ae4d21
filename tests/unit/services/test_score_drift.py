"""Drift as the population stability index of recent scores against the model's reference quantiles."""

from dataclasses import dataclass

import numpy as np
import pytest

from portcullis.scoring.drift import ScoreDrift, bin_edges, population_stability_index
from portcullis.scoring.metrics import SCORE_PSI, SCORE_PSI_SAMPLE
from portcullis.shared.riskmodel.lanes import reference_quantiles


@dataclass(frozen=True)
class Model:
    version: str
    reference_quantiles: tuple[float, ...]


def reference_model(version: str, scores: np.ndarray) -> Model:
    return Model(version, tuple(reference_quantiles(scores)))


def gauge(metric: object, version: str) -> float | None:
    for family in metric.collect():  # type: ignore[attr-defined]
        for sample in family.samples:
            if sample.labels.get("model_version") == version:
                return float(sample.value)
    return None


RNG = np.random.default_rng(7)
TRAINING = RNG.beta(1.2, 8.0, 50_000)  # skewed towards low risk, as fraud scores are


def test_scores_drawn_like_training_are_stable_and_a_shifted_population_is_significant() -> None:
    drift = ScoreDrift(window=5000)
    model = reference_model("dm-stable", TRAINING)
    assert drift.observe(model, RNG.beta(1.2, 8.0, 5000).tolist()) < 0.02
    shifted = ScoreDrift(window=5000)
    # Riskier trade than in training: about twice the mean score.
    assert shifted.observe(model, RNG.beta(2.4, 8.0, 5000).tolist()) > 0.25


def test_the_psi_matches_the_textbook_formula_on_deciles() -> None:
    quantiles = tuple(np.linspace(0.0, 1.0, 1001))  # uniform reference: deciles at 0.1, 0.2, ...
    cuts, expected = bin_edges(quantiles)
    assert np.allclose(cuts, np.linspace(0.1, 0.9, 9))
    assert np.allclose(expected, 0.1)
    # 55% of the scores in the lowest decile, 5% in each of the other nine.
    scores = [0.05] * 550 + [0.1 + (i % 9) / 10 + 0.05 for i in range(450)]
    observed = np.array([0.55] + [0.05] * 9)
    textbook = float(np.sum((observed - 0.1) * np.log(observed / 0.1)))
    assert ScoreDrift().observe(Model("dm-u", quantiles), scores) == pytest.approx(textbook, rel=1e-9)


def test_the_window_slides_old_scores_out() -> None:
    drift = ScoreDrift(window=2000)
    model = reference_model("dm-window", TRAINING)
    drift.observe(model, RNG.beta(4.0, 4.0, 2000).tolist())  # a burst of very unusual scores
    assert drift.psi > 1.0
    for _ in range(4):
        drift.observe(model, RNG.beta(1.2, 8.0, 700).tolist())  # 2800 ordinary ones push them out
    assert drift.sample_size == 2000
    assert drift.psi < 0.05


def test_a_window_filled_across_batches_counts_every_score_once() -> None:
    model = reference_model("dm-count", TRAINING)
    scores = RNG.beta(1.2, 8.0, 1234)
    one_by_one = ScoreDrift(window=500)
    for start in range(0, len(scores), 77):
        one_by_one.observe(model, scores[start : start + 77].tolist())
    at_once = ScoreDrift(window=500)
    at_once.observe(model, scores[-500:].tolist())
    assert one_by_one.sample_size == at_once.sample_size == 500
    assert one_by_one.psi == pytest.approx(at_once.psi)


def test_ties_in_the_reference_merge_bins_and_keep_the_shares_right() -> None:
    # 40% of the reference scores are exactly 0.01 (a leaf many declarations fall into).
    reference = np.concatenate([np.full(4000, 0.01), RNG.uniform(0.02, 1.0, 6000)])
    cuts, expected = bin_edges(reference_quantiles(reference))
    assert len(cuts) < 9
    assert expected.sum() == pytest.approx(1.0)
    assert expected[0] == pytest.approx(0.4, abs=0.002)
    like_reference = np.concatenate([np.full(400, 0.01), RNG.uniform(0.02, 1.0, 600)])
    assert ScoreDrift().observe(Model("dm-ties", tuple(reference_quantiles(reference))), like_reference) < 0.05


def test_the_gauge_follows_the_model_in_use_and_forgets_the_previous_version() -> None:
    drift = ScoreDrift(window=1000)
    first, second = reference_model("dm-first", TRAINING), reference_model("dm-second", TRAINING)
    value = drift.observe(first, RNG.beta(1.2, 8.0, 300).tolist())
    assert gauge(SCORE_PSI, "dm-first") == pytest.approx(value)
    assert gauge(SCORE_PSI_SAMPLE, "dm-first") == 300
    drift.observe(second, RNG.beta(1.2, 8.0, 100).tolist())
    assert gauge(SCORE_PSI, "dm-first") is None
    assert gauge(SCORE_PSI_SAMPLE, "dm-second") == 100  # a new model starts a new window


def test_no_scores_give_no_drift() -> None:
    assert population_stability_index(np.zeros(10), np.full(10, 0.1)) == 0.0
