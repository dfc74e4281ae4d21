"""The feedback export's line: a declaration's current decision and its inspection outcome, if any."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

#: Decisions read from the store per query while the export streams (memory stays bounded by this).
EXPORT_PAGE_SIZE = 1000
MEDIA_TYPE = "application/x-ndjson"


class FeedbackRecord(BaseModel):
    """One line of the export: what retraining needs of a decision (current version) and of its outcome."""

    subject_id: str = Field(examples=["97061800"])
    version: int = Field(description="The decision's current version (2 or later after an amendment)")
    lane: str = Field(examples=["red"])
    random_selection: bool
    reasons: list[dict[str, Any]] = Field(
        description="The decision's reasons; a random selection's `weight` is the rate it was drawn at"
    )
    decided_at: datetime
    inspected: bool | None = Field(description="None: no outcome reported (yet)")
    irregularity_found: bool | None = Field(description="None: no outcome reported (yet)")
