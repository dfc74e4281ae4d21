"""The gateway's row mapping knows every field of the wire Decision: a decision stored and read back is the same.

A field added to `Decision` and not to the row mapping fails here (scoring's fast JSON path is checked against
`Decision.model_dump` in test_declaration_pipeline.py)."""

from datetime import UTC, datetime, timedelta

from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.decisions.writes import _row
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.decision import LaneOverride, PendingReview, PossibleMatch

_NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

#: A decision with every field set to something other than its default.
FULL = Decision(
    stream=Stream.CONTAINER,
    subject_id="E-1",
    lane=Lane.YELLOW,
    score=0.512345,
    model_version="container-indicators-1",
    rules_version="r7",
    watchlist_version="w9",
    reasons=[
        Reason(kind=ReasonKind.RULE, text="weight gap", code="R-VGM-5", weight=0.2),
        Reason(kind=ReasonKind.RANDOM, text="drawn", weight=0.01),
    ],
    random_selection=True,
    challenger_version="m2",
    challenger_score=0.25,
    attributes={"office_id": "CNSHA", "importer_id": "KR-1"},
    submitted_at=_NOW - timedelta(hours=2),
    received_at=_NOW - timedelta(hours=1),
    decided_at=_NOW,
    content_digest="ab" * 32,
    override=LaneOverride(
        lane=Lane.RED, scored_lane=Lane.YELLOW, reason="seal photo mismatch", key_id="k-7", overridden_at=_NOW
    ),
    review=PendingReview(
        provisional_lane=Lane.YELLOW,
        possible_matches=[
            PossibleMatch(
                entry_id="sdn-1",
                entry_version=3,
                list_name="OFAC SDN",
                score=0.9,
                subject_key="party:ACME TRADING|NL",
                lane=Lane.RED,
            )
        ],
    ),
)


def test_a_stored_decision_reads_back_as_the_same_decision() -> None:
    row = DecisionRow(id=1, event_id=1, version=1, **_row(FULL, _NOW))
    assert row.to_decision() == FULL
    assert row.to_decision().model_dump(mode="json") == FULL.model_dump(mode="json")


def test_every_field_of_the_decision_has_a_value_that_is_not_its_default() -> None:
    # Guards the test above: a new Decision field left at its default would pass it unmapped.
    unset = {
        name
        for name, field in Decision.model_fields.items()
        if getattr(FULL, name) == field.get_default(call_default_factory=True)
    }
    assert unset == {"version", "amended"}  # counted by the store, not sent by scoring
