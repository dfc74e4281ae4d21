"""What the override route takes and answers."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from portcullis.shared.schemas import Decision, Lane


class OverrideRequest(BaseModel):
    """A supervisor's new lane for a decided subject, and why."""

    model_config = ConfigDict(extra="forbid")

    lane: Lane = Field(description="The lane the subject goes to instead")
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why, in words the inspectors and auditors read (kept in the history; no personal data)",
        examples=["the consignee's authorised-trader status was confirmed by the office at 10:40"],
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("give a reason")
        return reason.strip()


class RecordedOverride(BaseModel):
    """The decision as the override left it (a new version), and whether Kafka acknowledged the publication."""

    decision: Decision
    published: bool = Field(description="The `overrides` topic acknowledged it (else it is retried)")
