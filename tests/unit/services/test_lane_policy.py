"""The one lane policy of every stream: score to lane, a stricter forced lane, the amendment floor, the random draw."""

from portcullis.scoring.policy import LanePolicy, ScoreLanes, combined_score
from portcullis.scoring.random_selection import is_randomly_selected
from portcullis.shared.schemas import Lane

THRESHOLDS = ScoreLanes(yellow=0.4, red=0.75)
NEVER = LanePolicy(0.0, b"secret", Lane.YELLOW, "items")


def test_the_score_sets_the_lane_and_a_forced_lane_wins_only_when_stricter() -> None:
    assert NEVER.lane("A", 0.39, THRESHOLDS, None, None).lane is Lane.GREEN
    assert NEVER.lane("A", 0.4, THRESHOLDS, None, None).lane is Lane.YELLOW
    assert NEVER.lane("A", 0.75, THRESHOLDS, None, None).lane is Lane.RED
    forced = NEVER.lane("A", 0.1, THRESHOLDS, Lane.RED, None)
    assert (forced.lane, forced.score_lane) == (Lane.RED, Lane.GREEN)
    assert NEVER.lane("A", 0.9, THRESHOLDS, Lane.YELLOW, None).lane is Lane.RED


def test_an_amendment_after_selection_keeps_at_least_the_earlier_lane() -> None:
    assert NEVER.lane("A", 0.1, THRESHOLDS, None, Lane.YELLOW).lane is Lane.YELLOW
    assert NEVER.lane("A", 0.9, THRESHOLDS, None, Lane.YELLOW).lane is Lane.RED


def test_only_would_be_green_subjects_are_drawn_and_go_to_the_random_lane() -> None:
    policy = LanePolicy(0.3, b"secret", Lane.YELLOW, "passenger items")
    ids = [f"P{n}" for n in range(500)]
    greens = [policy.lane(i, 0.1, THRESHOLDS, None, None) for i in ids]
    assert [laned.random_selection for laned in greens] == [is_randomly_selected(i, 0.3, b"secret") for i in ids]
    assert {laned.lane for laned in greens if laned.random_selection} == {Lane.YELLOW}
    assert not any(policy.lane(i, 0.8, THRESHOLDS, None, None).random_selection for i in ids)
    assert not any(policy.lane(i, 0.1, THRESHOLDS, None, Lane.YELLOW).random_selection for i in ids)
    assert policy.random_reason()["text"].endswith("(30.0% of would-be-green passenger items)")


def test_additions_raise_the_score_up_to_one() -> None:
    assert combined_score(0.5, 0.0) == 0.5
    assert combined_score(0.5, 0.3) == 0.8
    assert combined_score(0.9, 0.3) == 1.0
