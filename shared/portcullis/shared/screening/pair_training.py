"""Training of the learned pair scorer: a logistic regression over `scoring.FEATURES`, written to `pair_model.py`.

`python -m portcullis.shared.screening.pair_training data/ofac-sdn tests/data/name_pairs.csv [OUTPUT.py]`

Training data, all built from the OFAC SDN list by this project (never the held-out set in data/name-pairs-heldout,
which stays an evaluation set):
- the labelled tuning pairs (`tests/data/name_pairs.csv`, `pairs.py`) and a second set generated the same way with
  another seed (typos, scripts, word order, legal forms, aliases; same surname, sibling companies with one business
  word replaced, sister ships and numbered companies differing by a number, shared first words, unrelated names);
- listed names written another way (`variants.py`, with another seed than the recall measurement) as matches, and as
  hard non-matches the other listed names that the index puts before the full scorer for those same queries
  (nearest neighbours belonging to other entries).
"""

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from math import log
from pathlib import Path

import numpy as np

from portcullis.shared.screening.entries import ScreeningQuery, WatchlistEntry
from portcullis.shared.screening.matcher import DEFAULT_MATCH_THRESHOLD, WatchlistIndex
from portcullis.shared.screening.normalize import normalize_name
from portcullis.shared.screening.pair_model import DERIVED, model_inputs
from portcullis.shared.screening.pairs import NamePair, generate_name_pairs, read_name_pairs
from portcullis.shared.screening.scoring import FEATURES, name_similarity, pair_features, score_cap
from portcullis.shared.screening.variants import generate_variants

#: Seeds other than those of the stored tuning pairs (20261125) and of the recall measurement (20261203).
PAIRS_SEED = 20261207
VARIANTS_SEED = 20261208
VARIANTS_PER_KIND = 400
L2_PENALTY = 0.1
MODEL_PATH = Path(__file__).with_name("pair_model.py")


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Pair features (one row per pair), labels, the hand-weighted scores and whether a cap keeps a pair below."""

    features: np.ndarray
    labels: np.ndarray
    rule_scores: np.ndarray
    capped: np.ndarray
    #: Whether the pair comes from the index (variants and their neighbours) rather than the pair generator.
    from_index: np.ndarray | None = None


def neighbour_pairs(entries: Sequence[WatchlistEntry], seed: int = VARIANTS_SEED) -> list[NamePair]:
    """Listed names written another way (matches) and the other listed names the index scores for them."""
    index = WatchlistIndex(result_cache_size=0)
    index.extend(entries)
    pairs: list[NamePair] = []
    for variant in generate_variants(entries, VARIANTS_PER_KIND, seed):
        schema = variant.schema or "Person"
        pairs.append(NamePair(variant.listed, variant.query, schema, 1, f"variant_{variant.kind}"))
        query = ScreeningQuery(name=variant.query, schema=variant.schema)  # type: ignore[arg-type]
        for match in index.screen(query, limit=10, threshold=0.0):
            if match.entry.entry_id != variant.entry_id:
                pairs.append(NamePair(match.matched_name, variant.query, schema, 0, "index_neighbour"))
    return pairs


def training_pairs(entries: Sequence[WatchlistEntry], tuning_pairs: Path) -> list[NamePair]:
    """Every training pair: the stored tuning set, a second generated set and the index's neighbours."""
    return [*read_name_pairs(tuning_pairs), *generate_name_pairs(entries, PAIRS_SEED), *neighbour_pairs(entries)]


def featurise(pairs: Sequence[NamePair]) -> TrainingSet:
    """Features of the pairs the learned scorer decides (same-token and empty names are decided by rule)."""
    rows: list[list[float]] = []
    labels: list[int] = []
    rules: list[float] = []
    capped: list[bool] = []
    from_index: list[bool] = []
    for pair in pairs:
        first, second = normalize_name(pair.name1), normalize_name(pair.name2)
        if not first.tokens or not second.tokens or first.tokens == second.tokens:
            continue
        features = pair_features(first, second)
        if features is None:
            continue
        rows.append(model_inputs(features))
        labels.append(pair.label)
        rule = name_similarity(first, second)
        rules.append(rule)
        # A cap (numbers, lines of business) keeps the pair below the threshold whatever the model says.
        capped.append(score_cap(first, second) < DEFAULT_MATCH_THRESHOLD)
        from_index.append(pair.variant.startswith("variant_") or pair.variant == "index_neighbour")
    return TrainingSet(
        np.array(rows), np.array(labels, dtype=float), np.array(rules), np.array(capped), np.array(from_index)
    )


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = L2_PENALTY) -> np.ndarray:
    """Coefficients (intercept first) of an L2-penalised logistic regression, by Newton's method."""
    design = np.hstack([np.ones((len(features), 1)), features])
    weights = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        probability = 1.0 / (1.0 + np.exp(-(design @ weights)))
        gradient = design.T @ (probability - labels) + penalty * weights
        hessian = (design.T * (probability * (1 - probability))) @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def calibrated_intercept(weights: np.ndarray, data: TrainingSet, threshold: float = DEFAULT_MATCH_THRESHOLD) -> float:
    """The intercept that makes the threshold let through as many of the training non-matches as the rule does."""
    margins = data.features @ weights[1:]
    negatives = (data.labels == 0) & ~data.capped
    rule_passed = int(((data.rule_scores >= threshold) & (data.labels == 0)).sum())
    ranked = np.sort(margins[negatives])[::-1]
    # The threshold's log-odds must sit just below the margin of the rule_passed-th highest non-match.
    edge = (ranked[rule_passed - 1] + ranked[rule_passed]) / 2 if rule_passed else ranked[0] + 1e-6
    return float(log(threshold / (1 - threshold)) - edge)


def recall_at_rule_fpr(
    scores: np.ndarray, data: TrainingSet, threshold: float = DEFAULT_MATCH_THRESHOLD, among: np.ndarray | None = None
) -> float:
    """Recall when as many non-matches pass as pass the hand-weighted scorer at the threshold (of `among` pairs)."""
    among = np.ones(len(scores), dtype=bool) if among is None else among
    negatives = (data.labels == 0) & among
    positives = (data.labels == 1) & among
    passed = int(((data.rule_scores >= threshold) & negatives).sum())
    edge = np.sort(scores[negatives])[::-1][passed]
    return float(((scores > edge) & positives).sum() / positives.sum())


def source_shift(data: TrainingSet) -> list[tuple[str, float, float]]:
    """Trained on one source of pairs, recall on the other (at the rule's false-positive rate): model, then rule."""
    assert data.from_index is not None
    results = []
    for name, train in (
        ("generated pairs -> index pairs", ~data.from_index),
        ("index pairs -> generated pairs", data.from_index),
    ):
        weights = fit_logistic(data.features[train], data.labels[train])
        scores = np.where(data.capped, -50.0, data.features @ weights[1:] + weights[0])
        test = ~train
        results.append(
            (name, recall_at_rule_fpr(scores, data, among=test), recall_at_rule_fpr(data.rule_scores, data, among=test))
        )
    return results


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (ties count half)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(average, counts)
    positives = labels == 1
    count_pos, count_neg = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - count_pos * (count_pos + 1) / 2) / (count_pos * count_neg))


def write_model(weights: np.ndarray, intercept: float, path: Path) -> None:
    """Write `pair_model.py` with the coefficients (the module's code stays as it is)."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("INTERCEPT = ")
    _, _, tail = rest.partition("\n\n\ndef ")
    names = (*FEATURES, *DERIVED)
    lines = "".join(f"    {w:.6f},  # {name}\n" for w, name in zip(weights[1:], names, strict=True))
    body = f"INTERCEPT = {intercept:.6f}\nCOEFFICIENTS = (\n{lines})"
    path.write_text(f"{head}{body}\n\n\ndef {tail}", encoding="utf-8")


def main(argv: Sequence[str]) -> None:
    """Train on the SDN list and the tuning pairs, print held-in figures, and write the model file."""
    from portcullis.shared.screening.ofac import load_ofac_sdn

    entries = load_ofac_sdn(Path(argv[0]))
    data = featurise(training_pairs(entries, Path(argv[1])))
    output = Path(argv[2]) if len(argv) > 2 else MODEL_PATH
    # Five-fold cross-validation: AUC of the rule and of the model on pairs the model did not see.
    folds = np.random.default_rng(random.Random(PAIRS_SEED).randrange(2**32)).integers(0, 5, len(data.labels))
    held = np.zeros(len(data.labels))
    for fold in range(5):
        train = folds != fold
        weights = fit_logistic(data.features[train], data.labels[train])
        held[~train] = data.features[~train] @ weights[1:] + weights[0]
    held = np.where(data.capped, -50.0, held)
    weights = fit_logistic(data.features, data.labels)
    intercept = calibrated_intercept(weights, data)
    print(f"pairs {len(data.labels)} (matches {int(data.labels.sum())})")
    print(f"cross-validated AUC: rule {auc(data.rule_scores, data.labels):.4f} model {auc(held, data.labels):.4f}")
    print(f"cross-validated recall at the rule's false-positive rate at {DEFAULT_MATCH_THRESHOLD}: ", end="")
    print(f"rule {recall_at_rule_fpr(data.rule_scores, data):.4f} model {recall_at_rule_fpr(held, data):.4f}")
    for name, model_recall, rule_recall in source_shift(data):
        print(f"trained on {name}: recall model {model_recall:.4f} rule {rule_recall:.4f}")
    for name, weight in zip(("intercept", *FEATURES, *DERIVED), (intercept, *weights[1:]), strict=True):
        print(f"  {name:24s} {weight:+.4f}")
    write_model(weights, intercept, output)


if __name__ == "__main__":
    main(sys.argv[1:])
