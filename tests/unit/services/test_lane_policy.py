"""The one lane policy of every stream: score to lane, a stricter forced lane, the amendment floor, the random draw."""

from portcullis.scoring.policy import LanePolicy, ScoreLanes, combined_score
from portcullis.scoring.random_selection import is_randomly_selected
from portcullis.shared.schemas import Lane

THRESHOLDS = ScoreLanes(yellow=0.4, red=0.75)
NEVER = LanePolicy(0.0, b"secret", Lane.YELLOW, "items")


def test_the_score_sets_the_lane_and_a_forced_lane_wins_only_when_stricter() -> None:
    assert NEVER.lane("A", 0.39, THRESHOLDS, None, None) == (Lane.GREEN, Lane.GREEN, False)
    assert NEVER.lane("A", 0.4, THRESHOLDS, None, None) == (Lane.YELLOW, Lane.YELLOW, False)
    assert NEVER.lane("A", 0.75, THRESHOLDS, None, None) == (Lane.RED, Lane.RED, False)
    assert NEVER.lane("A", 0.1, THRESHOLDS, Lane.RED, None) == (Lane.RED, Lane.GREEN, False)
    assert NEVER.lane("A", 0.9, THRESHOLDS, Lane.YELLOW, None) == (Lane.RED, Lane.RED, False)


def test_an_amendment_after_selection_keeps_at_least_the_earlier_lane() -> None:
    assert NEVER.lane("A", 0.1, THRESHOLDS, None, Lane.YELLOW) == (Lane.YELLOW, Lane.GREEN, False)
    assert NEVER.lane("A", 0.9, THRESHOLDS, None, Lane.YELLOW) == (Lane.RED, Lane.RED, False)


def test_only_would_be_green_subjects_are_drawn_and_go_to_the_random_lane() -> None:
    policy = LanePolicy(0.3, b"secret", Lane.YELLOW, "passenger items")
    ids = [f"P{n}" for n in range(500)]
    greens = [policy.lane(i, 0.1, THRESHOLDS, None, None) for i in ids]
    assert [drawn for _, _, drawn in greens] == [is_randomly_selected(i, 0.3, b"secret") for i in ids]
    assert {lane for lane, _, drawn in greens if drawn} == {Lane.YELLOW}
    assert not any(policy.lane(i, 0.8, THRESHOLDS, None, None)[2] for i in ids)
    assert not any(policy.lane(i, 0.1, THRESHOLDS, None, Lane.YELLOW)[2] for i in ids)
    assert policy.random_reason()["text"].endswith("(30.0% of would-be-green passenger items)")


def test_additions_raise_the_score_up_to_one() -> None:
    assert combined_score(0.5, 0.0) == 0.5
    assert combined_score(0.5, 0.3) == 0.8
    assert combined_score(0.9, 0.3) == 1.0
