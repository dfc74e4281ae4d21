"""The lane a record would have had under other rules, re-derived from its stored decision.

Scoring's lane policy (scoring/policy.py, another service) is: the score (model plus rule and watchlist score
additions, clipped to 1) gives a lane by the model's thresholds; a lane forced by a rule or watchlist wins when
stricter; an amended subject keeps at least its earlier lane; a subject still green may be drawn at random. The
stored decision holds what is needed to replay the rules' part of it without the model or the watchlists:

- its score and the rules' score additions (each rule reason's weight), so the score without rules is known
  (a score clipped to 1 gives a lower bound);
- the lane its score gave (the score reason), and whether it was drawn at random: the draw depends on the subject
  id only, so a subject drawn stays drawn while it stays green, and one that was not green (never drawn) and turns
  green is drawn again with scoring's rate and secret (`RandomDraw`, the analytics service's settings);
- what else raised its lane (watchlist hits, screening, the amendment floor): a stored lane that neither its score
  nor its rules explain is kept as a floor.

A record whose rules under test hit exactly as the stored ones did keeps its stored lane: same inputs, same lane.
The blue lane (scoring's, for good-record importers) is not re-derived: a blue record whose rules change gets the
lane its new score and rules give, a conservative reading.

A model backtest (`rescored_lane`) has the new model's score and thresholds instead of the stored ones: the score
plus the rules' and watchlists' additions gives the lane (`shared/lanes.py`, as scoring combines them), and what the
stored lane owes to more than its score stays a floor.
"""

from dataclasses import dataclass

from portcullis.shared.lanes import LANE_ORDER, ScoreLanes, combined_score, stricter
from portcullis.shared.random_selection import RandomSelector
from portcullis.shared.schemas import Lane

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A model version's score thresholds, as the stored decisions show them: each is the lowest stored score its
    score reason put at or above it; the true threshold lies above the highest stored score below it (`*_above`)."""

    yellow: float
    red: float
    yellow_above: float = 0.0
    red_above: float = 0.0

    def lane_for(self, score: float) -> Lane:
        """The lane the score alone gives (as scoring's policy gives it)."""
        return ScoreLanes(self.yellow, self.red).lane_for(score)

    def uncertain(self, score: float) -> bool:
        """Whether the score lies between the stored scores that bound a threshold (its lane is a best guess)."""
        return self.yellow_above < score < self.yellow or self.red_above < score < self.red


@dataclass(frozen=True, slots=True)
class RandomDraw:
    """Scoring's random selection: which would-be-green subjects it draws, and the lane it sends them to."""

    draw: RandomSelector
    lane: Lane


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """What the backtest reads of a record's latest stored decision."""

    lane: Lane
    score: float
    score_lane: Lane
    random_selection: bool
    rule_ids: frozenset[str]
    rule_score_added: float
    rule_forced: bool  # some stored rule hit forced a lane (its reason has no weight)
    other_selection: bool  # a watchlist hit, screening or an amendment floor shaped the lane


@dataclass(frozen=True, slots=True)
class Replayed:
    """The rules under test's effect on one record: the ids that hit, the forced lane, the score added."""

    rule_ids: frozenset[str]
    forced: Lane | None
    score_added: float


def replayed_lane(
    subject_id: str, stored: StoredDecision, replayed: Replayed, thresholds: Thresholds, random: RandomDraw
) -> tuple[Lane, bool, bool]:
    """The record's lane under the rules under test, whether it is the random lane (scoring's draw), and whether its
    new score lies between the stored scores that bound a threshold (`Thresholds.uncertain`)."""
    same_score = abs(replayed.score_added - stored.rule_score_added) < _EPSILON
    if replayed.rule_ids == stored.rule_ids and same_score:
        return stored.lane, stored.random_selection, False
    lane_before_draw = Lane.GREEN if stored.random_selection else stored.lane
    floor = _floor_without_rules(stored, lane_before_draw)
    uncertain = False
    if same_score:
        score_lane = stored.score_lane
    else:
        without_rules = stored.score - stored.rule_score_added
        if stored.score >= 1.0 - _EPSILON and stored.rule_score_added > 0:
            without_rules = 1.0 - stored.rule_score_added  # clipped: at least this
        new_score = min(1.0, without_rules + replayed.score_added)
        score_lane, uncertain = thresholds.lane_for(new_score), thresholds.uncertain(new_score)
    lane = stricter(stricter(score_lane, replayed.forced), floor) or Lane.GREEN
    return _drawn(subject_id, stored, lane, lane_before_draw, random, uncertain)


def rescored_lane(
    subject_id: str,
    stored: StoredDecision,
    replayed: Replayed | None,
    model_score: float,
    other_score_added: float,
    thresholds: ScoreLanes,
    random: RandomDraw,
) -> tuple[Lane, float, bool, bool]:
    """The record's lane under another model (its new `model_score`, its `thresholds`) and the rules under test
    (`replayed`; None keeps the stored rules' effect), with the score, whether it is the random lane, and whether
    the lane is a best guess (a forced lane the stored lane hid, or a non-rule score addition known to 0.01).

    The score is scoring's: the model's plus the rules' and the watchlists' additions (`other_score_added`), clipped.
    """
    rules = replayed or Replayed(stored.rule_ids, None, stored.rule_score_added)
    score = combined_score(model_score, rules.score_added + other_score_added)
    score_lane = thresholds.lane_for(score)
    same_rules = rules.rule_ids == stored.rule_ids and abs(rules.score_added - stored.rule_score_added) < _EPSILON
    if same_rules and score_lane is stored.score_lane:  # same inputs to the policy: the same lane
        return stored.lane, score, stored.random_selection, False
    lane_before_draw = Lane.GREEN if stored.random_selection else stored.lane
    floor: Lane | None
    if replayed is None:  # the stored rules stand: all that the stored lane owes to more than its score is kept
        if LANE_ORDER[lane_before_draw] > LANE_ORDER[stored.score_lane]:
            floor = lane_before_draw
        elif stored.rule_forced:  # a rule forced a lane no stricter than the score's: yellow at least (or red)
            floor = Lane.YELLOW
        else:
            floor = None
        hidden = stored.other_selection or (stored.rule_forced and floor is not lane_before_draw)
    else:
        floor = _floor_without_rules(stored, lane_before_draw)
        hidden = stored.other_selection
    lane = stricter(stricter(score_lane, rules.forced), floor) or Lane.GREEN
    # A lane forced no stricter than the stored score's left no trace: a lower new score may uncover it. A watchlist's
    # score addition is known to 0.01 only.
    uncertain = (hidden and LANE_ORDER[lane] < LANE_ORDER[lane_before_draw]) or (
        other_score_added > 0 and thresholds.lane_for(score - 0.005) is not thresholds.lane_for(score + 0.005)
    )
    found, drawn, uncertain = _drawn(subject_id, stored, lane, lane_before_draw, random, uncertain)
    return found, score, drawn, uncertain


def _floor_without_rules(stored: StoredDecision, lane_before_draw: Lane) -> Lane | None:
    """What the stored lane owes to neither the score nor the rules (watchlists, screening, the amendment floor)."""
    explained = stricter(stored.score_lane, lane_before_draw if stored.rule_forced else None)
    if (stored.other_selection and stored.rule_ids) or LANE_ORDER[lane_before_draw] > LANE_ORDER[
        explained or Lane.GREEN
    ]:
        return lane_before_draw
    return None


def _drawn(
    subject_id: str, stored: StoredDecision, lane: Lane, lane_before_draw: Lane, random: RandomDraw, uncertain: bool
) -> tuple[Lane, bool, bool]:
    """The random draw, as scoring makes it: a subject still green may be drawn (by its id alone)."""
    if lane is Lane.GREEN and stored.random_selection:
        return stored.lane, True, uncertain
    if lane is Lane.GREEN and lane_before_draw is not Lane.GREEN and random.draw(subject_id):
        return random.lane, True, uncertain
    return lane, False, uncertain
