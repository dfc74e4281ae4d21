"""An analyst's verdict on a possible match, as the gateway publishes it on the compacted `reviews` topic.

Keyed by what a dismissal is remembered for (`review_key`: the subject, the entry and its version), so compaction
keeps the latest verdict per subject and entry version; scoring follows the topic from its start.
"""

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.shared.schemas.decision import Decision, Lane, Stream


class Verdict(StrEnum):
    """What the analyst decided about a possible match."""

    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class ReviewRecord(BaseModel):
    """One review: which possible match, the verdict, who (key id), why and when; a confirmation carries the
    decision as amended (the lane the entry forces)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    review_id: int = Field(description="The review's id in the gateway's queue")
    verdict: Verdict
    stream: Stream
    subject_id: str
    subject_key: str = Field(description="Whom the match is about (see `PossibleMatch.subject_key`)")
    entry_id: str
    entry_version: int = Field(ge=1)
    list_name: str
    score: float = Field(ge=0, le=1)
    lane: Lane = Field(description="The lane the entry forces (set by a confirmation)")
    reason: str | None = Field(default=None, max_length=500, description="Why (mandatory for a dismissal)")
    key_id: str = Field(description="The analyst's API key id")
    reviewed_at: AwareDatetime
    decision: Decision | None = Field(default=None, description="The amended decision, for a confirmation")


def review_key(subject_key: str, entry_id: str, entry_version: int) -> bytes:
    """The compaction key of a verdict: the subject, the entry and the entry's version."""
    return f"{subject_key}|{entry_id}|{entry_version}".encode()
