"""A backtest orders lanes as scoring does, blue included: a stored blue decision is replayed, not a crash, and blue
is counted as released, not as selected. A model backtest keeps what the stored lane owes to its rules."""

import pytest

from portcullis.analytics.backtest.lanes import (
    RandomDraw,
    Replayed,
    StoredDecision,
    Thresholds,
    replayed_lane,
    rescored_lane,
)
from portcullis.shared.lanes import ScoreLanes
from portcullis.shared.random_selection import RandomSelector
from portcullis.shared.schemas import Lane

THRESHOLDS = Thresholds(yellow=0.5, red=0.8)
NO_DRAW = RandomDraw(RandomSelector(0.0, b"secret"), Lane.RED)


def _blue(rule_ids: frozenset[str] = frozenset()) -> StoredDecision:
    # Scored yellow (0.55), released blue by the blue lane (a good-record importer in the band).
    return StoredDecision(
        lane=Lane.BLUE,
        score=0.55,
        score_lane=Lane.YELLOW,
        random_selection=False,
        rule_ids=rule_ids,
        rule_score_added=0.0,
        rule_forced=False,
        other_selection=False,
    )


def test_a_blue_record_the_rules_under_test_leave_alone_stays_blue() -> None:
    lane, drawn, uncertain = replayed_lane("D-1", _blue(), Replayed(frozenset(), None, 0.0), THRESHOLDS, NO_DRAW)
    assert (lane, drawn, uncertain) == (Lane.BLUE, False, False)


def test_a_blue_record_a_new_rule_sends_to_red_is_red() -> None:
    replayed = Replayed(frozenset({"R-NEW"}), Lane.RED, 0.0)
    assert replayed_lane("D-1", _blue(), replayed, THRESHOLDS, NO_DRAW)[0] is Lane.RED


def test_a_blue_record_whose_rules_change_otherwise_gets_its_score_lane() -> None:
    # The blue lane is not re-derived (it needs the importer's record): the score's lane, yellow, is the answer.
    replayed = Replayed(frozenset({"R-NEW"}), None, 0.1)
    assert replayed_lane("D-1", _blue(), replayed, THRESHOLDS, NO_DRAW)[0] is Lane.YELLOW


# Model backtests: the new model's score with the stored rules' effect.
SCORE_LANES = ScoreLanes(yellow=0.5, red=0.8)


def _forced_by_a_rule(lane: Lane, score: float, score_lane: Lane) -> StoredDecision:
    return StoredDecision(
        lane=lane,
        score=score,
        score_lane=score_lane,
        random_selection=False,
        rule_ids=frozenset({"R-FURN"}),
        rule_score_added=0.0,
        rule_forced=True,
        other_selection=False,
    )


def test_a_lane_a_stored_rule_forced_above_the_score_stays_whatever_the_new_model_says() -> None:
    stored = _forced_by_a_rule(Lane.RED, 0.3, Lane.GREEN)  # a red rule over a green score
    lane, score, drawn, uncertain = rescored_lane("D-1", stored, None, 0.1, 0.0, SCORE_LANES, NO_DRAW)
    assert (lane, score, drawn, uncertain) == (Lane.RED, 0.1, False, False)


def test_a_rule_forced_lane_the_score_hid_is_yellow_at_least_and_uncertain_only_below_red() -> None:
    hidden_under_yellow = _forced_by_a_rule(Lane.YELLOW, 0.6, Lane.YELLOW)
    assert rescored_lane("D-1", hidden_under_yellow, None, 0.1, 0.0, SCORE_LANES, NO_DRAW)[::2] == (Lane.YELLOW, False)
    hidden_under_red = _forced_by_a_rule(Lane.RED, 0.9, Lane.RED)  # the rule forced yellow or red: unknown
    lane, _, _, uncertain = rescored_lane("D-1", hidden_under_red, None, 0.1, 0.0, SCORE_LANES, NO_DRAW)
    assert (lane, uncertain) == (Lane.YELLOW, True)


def test_the_new_score_adds_the_rules_under_test_and_the_watchlists_additions_as_scoring_does() -> None:
    stored = _forced_by_a_rule(Lane.YELLOW, 0.6, Lane.YELLOW)
    rules = Replayed(frozenset({"R-VN"}), None, 0.3)
    lane, score, _, _ = rescored_lane("D-1", stored, rules, 0.45, 0.1, SCORE_LANES, NO_DRAW)
    assert (lane, score) == (Lane.RED, pytest.approx(0.85))
    lane, score, _, _ = rescored_lane("D-1", stored, rules, 0.95, 0.1, SCORE_LANES, NO_DRAW)
    assert (lane, score) == (Lane.RED, 1.0)  # clipped
