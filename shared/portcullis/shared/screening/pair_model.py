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

INTERCEPT = -5.342768
COEFFICIENTS = (
    -6.954683,  # rule_score
    -13.014945,  # dice
    12.784777,  # coverage
    3.300526,  # worse_coverage
    6.445909,  # distinctive_coverage
    13.231374,  # weakest_word
    -2.585300,  # exact_share
    1.294990,  # unspaced
    -1.063437,  # single_word
    0.427457,  # vowelless
    -1.679339,  # word_count_difference
    1.619674,  # rule_score^2
    10.067485,  # rule_score^3
    -2.502219,  # rule_score*coverage
    -3.708528,  # word_count_difference*(1-unspaced)
    5.199653,  # coverage*worse_coverage
    -5.348819,  # distinctive_coverage^2
    -13.954557,  # weakest_word^2
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
