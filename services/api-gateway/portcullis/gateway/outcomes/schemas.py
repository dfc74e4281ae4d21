"""What the outcomes API answers."""

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.schemas.outcome import InspectionOutcome


class RecordedOutcome(InspectionOutcome):
    """A stored inspection outcome, with the decision it is about and its publication state."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(description="1 for the first report, +1 for each correction")
    stream: Stream
    subject_id: str
    lane: Lane = Field(description="The lane the decision gave")
    recorded_at: AwareDatetime = Field(description="When the gateway accepted the report")
    published: bool = Field(description="Whether Kafka acknowledged it on the outcomes topic (retried until it has)")


class OutcomeHistory(BaseModel):
    """Every version of one subject's outcome: the first report, then each correction; the last is current."""

    stream: Stream
    subject_id: str
    current_version: int
    versions: list[RecordedOutcome]
