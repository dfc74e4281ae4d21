"""How lanes combine, wherever a lane is decided or re-derived: scoring's lane policy (services/scoring/.../policy.py)
and the analytics service's backtests both use these, so a backtest orders lanes exactly as scoring does.

A score (model or risk indicators, plus rule and watchlist additions, clipped to 1) gives a lane by two thresholds;
a stricter lane wins (red beats yellow beats blue beats green).
"""

from dataclasses import dataclass

from portcullis.shared.schemas import Lane

#: Lanes by strictness (red beats yellow beats blue beats green).
LANE_ORDER = {lane: lane.strictness for lane in Lane}


def stricter(first: Lane | None, second: Lane | None) -> Lane | None:
    """The stricter of two lanes; None means no lane."""
    if first is None or second is None:
        return first or second
    return first if LANE_ORDER[first] >= LANE_ORDER[second] else second


def at_least(lane: Lane, earlier: Lane | None) -> Lane:
    """The lane, raised to the earlier selection's lane when that is stricter."""
    return earlier if earlier is not None and LANE_ORDER[earlier] > LANE_ORDER[lane] else lane


def combined_score(score: float, added: float) -> float:
    """The score with the rules' and watchlists' additions, clipped to 1."""
    return min(1.0, score + added) if added else score


@dataclass(frozen=True, slots=True)
class ScoreLanes:
    """The score's thresholds: at or above `red` is red, at or above `yellow` is yellow."""

    yellow: float
    red: float

    def lane_for(self, score: float) -> Lane:
        """The lane the score alone gives."""
        return Lane.RED if score >= self.red else Lane.YELLOW if score >= self.yellow else Lane.GREEN
