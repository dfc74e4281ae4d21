"""A backtest orders lanes as scoring does, blue included: a stored blue decision is replayed, not a crash, and blue
is counted as released, not as selected."""

from portcullis.analytics.backtest.lanes import RandomDraw, Replayed, StoredDecision, Thresholds, replayed_lane
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
