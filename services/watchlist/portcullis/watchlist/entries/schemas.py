"""What the entries API takes and answers besides the shared documents."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portcullis.shared.schemas.watchlist import Action, EntryDocument
from portcullis.watchlist.documents.schemas import Page


class EntryPage(Page[EntryDocument]):
    """A page of entries, ordered by id; pass `next_after` as `after` for the next page."""


class OfacImportRequest(BaseModel):
    """The two files of an OFAC SDN legacy CSV export, as text (what `portcullis watchlist import` sends)."""

    model_config = ConfigDict(extra="forbid")

    sdn_csv: str = Field(min_length=1, max_length=64 * 1024 * 1024, description="Content of sdn.csv")
    alt_csv: str = Field(default="", max_length=64 * 1024 * 1024, description="Content of alt.csv")
    action: Action = Field(default_factory=lambda: Action(lane="red"), description="What a hit does")


class Rejection(BaseModel):
    """A party of the list that failed validation (kept as stored, not removed)."""

    entry_id: str
    field: str
    reason: str


class ImportResult(BaseModel):
    """What an import changed; importing unchanged data adds, changes and removes nothing."""

    list_name: str
    parties: int
    aliases: int
    added: int
    changed: int
    removed: int
    unchanged: int
    rejected: int = Field(default=0, description="Parties that failed validation")
    rejections: list[Rejection] = Field(default_factory=list, description="The first 100 rejected parties")


class ScreeningMatch(BaseModel):
    """One ranked screening match."""

    entry_id: str
    list_name: str
    kind: str
    name: str
    matched_name: str
    score: float
    evidence: list[str]
    reason: str
    action: Action


class ScreeningAnswer(BaseModel):
    """The ranked matches of a screening query."""

    schema_: Literal["Person", "Organization", "Vessel"] | None = Field(alias="schema")
    threshold: float
    matches: list[ScreeningMatch]
