"""Inverse-propensity weights of feedback: which decided declarations stand for themselves when inspected."""

import pandas as pd

from portcullis.shared.riskmodel.feedback import propensities


def test_red_yellow_and_blue_audits_are_certain_random_draws_weigh_their_rate_and_undrawn_green_none() -> None:
    decisions = pd.DataFrame(
        {
            "lane": ["red", "yellow", "blue", "red", "green"],
            "random_selection": [False, False, False, True, False],
            "reasons": [[], [], [], [{"kind": "random", "weight": 0.02}], []],
        }
    )
    assert propensities(decisions, random_rate=0.01).tolist() == [1.0, 1.0, 1.0, 0.02, 0.0]
