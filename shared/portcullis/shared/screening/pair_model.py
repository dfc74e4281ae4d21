"""The learned pair scorer: a logistic regression whose coefficients `pair_training` writes into this file.

Its inputs are `scoring.FEATURES` and a few products of them (`INPUTS`); its intercept is shifted so that the score
keeps the meaning of the threshold: at 0.85 it lets through the same share of the training set's non-matches as the
hand-weighted scorer did. Retrain with `python -m portcullis.shared.screening.pair_training data/ofac-sdn
tests/data/name_pairs.csv`.
"""

from math import exp

#: The model's inputs: the pair features, then these products of them.
DERIVED = (
    "rule_score^2",
    "rule_score^3",
    "rule_score*coverage",
    "word_count_difference*(1-unspaced)",
    "coverage*worse_coverage",
    "distinctive_coverage^2",
    "weakest_word^2",
)

INTERCEPT = -5.283677
COEFFICIENTS = (
    -7.074507,  # rule_score
    -12.874953,  # dice
    12.725256,  # coverage
    2.924175,  # worse_coverage
    6.381655,  # distinctive_coverage
    13.041928,  # weakest_word
    -2.682570,  # exact_share
    1.341380,  # unspaced
    -1.072595,  # single_word
    0.432244,  # vowelless
    -1.678427,  # word_count_difference
    1.694754,  # rule_score^2
    10.044173,  # rule_score^3
    -2.312167,  # rule_score*coverage
    -3.710954,  # word_count_difference*(1-unspaced)
    5.378702,  # coverage*worse_coverage
    -5.298236,  # distinctive_coverage^2
    -13.690504,  # weakest_word^2
)


def model_inputs(features: list[float]) -> list[float]:
    """The pair features followed by the `DERIVED` products."""
    rule, _, coverage, worse_coverage, distinctive, weakest, _, unspaced, _, _, word_count_difference = features
    return [
        *features,
        rule * rule,
        rule * rule * rule,
        rule * coverage,
        word_count_difference * (1.0 - unspaced),
        coverage * worse_coverage,
        distinctive * distinctive,
        weakest * weakest,
    ]


def learned_score(features: list[float]) -> float:
    """The calibrated probability in 0..1 that two names name one party, from their pair features."""
    z = INTERCEPT
    for coefficient, value in zip(COEFFICIENTS, model_inputs(features), strict=True):
        z += coefficient * value
    if z < -30.0:
        return 0.0
    return 1.0 / (1.0 + exp(-z))
