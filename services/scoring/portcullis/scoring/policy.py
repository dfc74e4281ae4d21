"""The lane policy every stream's pipeline applies: score to lane, the stricter of two lanes, the amendment floor,
the random draw (how lanes combine is in shared/lanes.py, which backtests use too).

Order: the score (model or risk indicators, plus rule and watchlist additions, clipped to 1) gives a lane by the
thresholds; a lane forced by rules or watchlists wins when stricter; a subject amended after selection keeps at
least its earlier lane; a subject still green may be drawn at random and sent to the stream's random lane.
"""

from typing import Any

from portcullis.scoring.random_selection import RandomSelector
from portcullis.shared.lanes import LANE_ORDER, ScoreLanes, at_least, combined_score, stricter
from portcullis.shared.schemas import Lane, ReasonKind

# Re-exported: the pipelines import the whole policy from here.
__all__ = [
    "LANE_ORDER",
    "LanePolicy",
    "ScoreLanes",
    "against_thresholds",
    "at_least",
    "combined_score",
    "stricter",
    "threshold_clauses",
]


def against_thresholds(described: str, lane: Lane, red: float, yellow: float) -> str:
    """`<described score> is at or above the red threshold 0.71`: the score's lane in words for the officer."""
    return described + threshold_clauses(red, yellow)[lane]


def threshold_clauses(red: float, yellow: float) -> dict[Lane, str]:
    """What `against_thresholds` adds to a described score of each lane (a batch formats the thresholds once)."""
    below = f" is below the yellow threshold {yellow:.2f}"
    return {
        Lane.RED: f" is at or above the red threshold {red:.2f}",
        Lane.YELLOW: f" is at or above the yellow threshold {yellow:.2f}",
        Lane.GREEN: below,
        Lane.BLUE: below,
    }


#: A subject's lane, the lane its score alone gave, and whether the random draw set it (a plain tuple: built once
#: per decision on the hot path).
Laned = tuple[Lane, Lane, bool]


class LanePolicy:
    """One stream's lane policy: its random draw (rate and secret) and the lane a draw sends a subject to."""

    def __init__(self, rate: float, secret: bytes, random_lane: Lane, drawn_from: str) -> None:
        self.rate = rate
        self.random_lane = random_lane
        self._draw = RandomSelector(rate, secret)
        # The random reason is the same for every subject of the stream: built once.
        self._random_reason = {
            "kind": ReasonKind.RANDOM.value,
            "text": f"selected at random for inspection ({rate:.1%} of would-be-green {drawn_from})",
            "code": None,
            # The draw's probability: retraining weighs this inspection by its inverse.
            "weight": rate,
        }

    def lane(
        self, subject_id: str, score: float, thresholds: ScoreLanes, forced: Lane | None, earlier: Lane | None
    ) -> Laned:
        """The subject's lane: the score's, a stricter forced one, at least the earlier selection's, else drawn."""
        score_lane = Lane.RED if score >= thresholds.red else Lane.YELLOW if score >= thresholds.yellow else Lane.GREEN
        lane = forced if forced is not None and LANE_ORDER[forced] > LANE_ORDER[score_lane] else score_lane
        if earlier is not None and LANE_ORDER[earlier] > LANE_ORDER[lane]:
            lane = earlier
        if lane is Lane.GREEN and self._draw(subject_id):
            return self.random_lane, score_lane, True
        return lane, score_lane, False

    def random_reason(self) -> dict[str, Any]:
        """The reason a randomly selected subject carries (in the decision's JSON form)."""
        return self._random_reason
