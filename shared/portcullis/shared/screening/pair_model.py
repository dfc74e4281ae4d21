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

INTERCEPT = -5.179664
COEFFICIENTS = (
    -7.134697,  # rule_score
    -12.963460,  # dice
    12.444413,  # coverage
    3.019921,  # worse_coverage
    6.489329,  # distinctive_coverage
    12.964952,  # weakest_word
    -2.728986,  # exact_share
    1.403964,  # unspaced
    -1.110486,  # single_word
    0.428630,  # vowelless
    -1.962879,  # word_count_difference
    1.696836,  # rule_score^2
    10.075547,  # rule_score^3
    -1.942816,  # rule_score*coverage
    -3.258643,  # word_count_difference*(1-unspaced)
    5.163927,  # coverage*worse_coverage
    -5.254915,  # distinctive_coverage^2
    -13.645872,  # weakest_word^2
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
