"""What the decisions API answers: stored decisions with their ids, pages, sort orders and filters."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from portcullis.shared.schemas import Decision, Lane, Stream

MAX_PAGE_SIZE = 500


class StoredDecision(Decision):
    """A decision as stored: with the store's id (the live stream's event id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int = Field(
        description="The live stream's event id of this decision: grows with every stored decision, and an amended "
        "decision gets a new one"
    )


class DecisionHistory(BaseModel):
    """Every version of one subject's decision, the first first; the last is the current one."""

    stream: Stream
    subject_id: str
    current_version: int = Field(description="The version now in force (the last of `versions`)")
    versions: list[Decision] = Field(description="Version 1 (the first content), then each amendment")


class DecisionPage(BaseModel):
    """One page of decisions and the cursor of the next page (None on the last page)."""

    items: list[StoredDecision]
    next_cursor: str | None = Field(description="Pass as `cursor` with the same filters and sort for the next page")


class DecisionSort(StrEnum):
    """Orders a list can take; ties are broken by id in the same direction."""

    DECIDED_AT_DESC = "decided_at_desc"
    DECIDED_AT_ASC = "decided_at_asc"
    SCORE_DESC = "score_desc"
    SCORE_ASC = "score_asc"

    @property
    def key(self) -> str:
        """The column sorted on."""
        return self.value.rsplit("_", 1)[0]

    @property
    def descending(self) -> bool:
        """Whether the order is descending."""
        return self.value.endswith("_desc")


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions a list or statistic covers; None means any."""

    stream: Stream | None = None
    lanes: tuple[Lane, ...] = field(default_factory=tuple)
    office_id: str | None = None
    importer_id: str | None = None
    decided_from: datetime | None = None
    decided_to: datetime | None = None
    score_min: float | None = None
    score_max: float | None = None
    random_selection: bool | None = None
    model_version: str | None = None
    amended: bool | None = None

    def fingerprint(self) -> str:
        """A stable text of the filter, bound into cursors so a cursor is not reused with other filters."""
        parts = [
            self.stream.value if self.stream else "",
            ",".join(sorted(lane.value for lane in self.lanes)),
            self.office_id or "",
            self.importer_id or "",
            self.decided_from.isoformat() if self.decided_from else "",
            self.decided_to.isoformat() if self.decided_to else "",
            repr(self.score_min),
            repr(self.score_max),
            repr(self.random_selection),
            self.model_version or "",
            # Only when set, so that the cursors of lists without it stay what they were.
            *([repr(self.amended)] if self.amended is not None else []),
        ]
        return "|".join(parts)
