"""What a confirmation does to a decision, and the score bands the review metrics count by."""

from datetime import UTC, datetime

from portcullis.gateway.reviews.models import ReviewRow
from portcullis.gateway.reviews.service import confirmed, score_band
from portcullis.shared.schemas import Decision, Lane, LaneOverride, Stream
from portcullis.shared.schemas.decision import PendingReview, PossibleMatch

_NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _match(entry_id: str, lane: Lane) -> PossibleMatch:
    return PossibleMatch(
        entry_id=entry_id, entry_version=1, list_name="OFAC SDN", score=0.9, subject_key="trader:NL1", lane=lane
    )


def _decision(lane: Lane, *matches: PossibleMatch, override: LaneOverride | None = None) -> Decision:
    return Decision(
        stream=Stream.DECLARATION,
        subject_id="D1",
        lane=lane,
        score=0.2,
        model_version="m",
        rules_version="r",
        watchlist_version="w",
        submitted_at=_NOW,
        received_at=_NOW,
        decided_at=_NOW,
        review=PendingReview(provisional_lane=lane, possible_matches=list(matches)),
        override=override,
    )


def _item(entry_id: str, lane: Lane) -> ReviewRow:
    return ReviewRow(
        entry_id=entry_id, entry_version=1, subject_key="trader:NL1", list_name="OFAC SDN", score=0.9, lane=lane.value
    )


def test_a_confirmation_applies_the_entrys_lane_and_leaves_the_other_matches_pending() -> None:
    decision = _decision(Lane.GREEN, _match("sdn-1", Lane.RED), _match("sdn-2", Lane.YELLOW))
    amended = confirmed(decision, _item("sdn-1", Lane.RED), "same registration number")
    assert amended.lane is Lane.RED
    assert amended.review is not None
    assert [m.entry_id for m in amended.review.possible_matches] == ["sdn-2"]
    assert "confirmed by an analyst" in amended.reasons[-1].text
    assert "same registration number" in amended.reasons[-1].text
    last = confirmed(amended, _item("sdn-2", Lane.YELLOW), None)
    assert last.lane is Lane.RED  # never lowered
    assert last.review is None


def test_a_supervisors_override_stands_through_a_confirmation() -> None:
    override = LaneOverride(lane=Lane.GREEN, scored_lane=Lane.GREEN, reason="audit", key_id="k1", overridden_at=_NOW)
    decision = _decision(Lane.GREEN, _match("sdn-1", Lane.RED), override=override)
    assert confirmed(decision, _item("sdn-1", Lane.RED), None).lane is Lane.GREEN


def test_score_bands_are_five_hundredths_wide() -> None:
    assert score_band(0.85) == "0.85-0.90"
    assert score_band(0.8999) == "0.85-0.90"
    assert score_band(0.9) == "0.90-0.95"
    assert score_band(0.97) == "0.95-1.00"
