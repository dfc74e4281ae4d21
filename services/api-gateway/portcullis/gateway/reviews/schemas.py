"""What the review routes take and answer."""

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from portcullis.shared.schemas import Decision, Lane, Stream


class ReviewItem(BaseModel):
    """A possible match in the queue: which decision, which entry (and version), the score, and its verdict so far."""

    id: int
    stream: Stream
    subject_id: str
    office_id: str | None
    subject_key: str = Field(
        description="Whom the match is about (trader id, a digest of a traveller's document, or "
        "a party's name and country)"
    )
    entry_id: str
    entry_version: int
    list_name: str
    score: float
    lane: Lane = Field(description="The lane the entry forces when the match is confirmed")
    provisional_lane: Lane = Field(description="The decision's lane without the possible match")
    decided_at: AwareDatetime
    status: str = Field(description="pending, confirmed or dismissed")
    reason: str | None = None
    key_id: str | None = Field(default=None, description="The analyst's key id, once reviewed")
    reviewed_at: AwareDatetime | None = None


class ConfirmRequest(BaseModel):
    """An analyst's confirmation of a possible match (a note is optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why, if the analyst wants it on record (no personal data)",
        examples=["date of birth on the manifest matches the listed one"],
    )


class DismissRequest(BaseModel):
    """An analyst's dismissal of a possible match: the reason is mandatory."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why the match is a false positive, in words auditors read (no personal data)",
        examples=["another company: registered in NL since 1998, no link to the listed entity"],
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("give a reason")
        return reason.strip()


class RecordedReview(BaseModel):
    """The review as recorded, the decision as a confirmation amended it, and whether Kafka acknowledged it."""

    review: ReviewItem
    decision: Decision | None = Field(default=None, description="The amended decision (confirmations only)")
    published: bool = Field(description="The `reviews` topic acknowledged it (else it is retried)")
