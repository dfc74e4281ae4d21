"""What the rules API takes and answers besides the shared documents."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from portcullis.shared.schemas import Declaration, Stream
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import Action, DocumentId, RuleDocument, RuleSpec
from portcullis.shared.streams import CATALOGUE
from portcullis.watchlist.documents.schemas import Page


class RulePage(Page[RuleDocument]):
    """A page of rules, ordered by id."""


class FieldInfo(BaseModel):
    """A field rules can test."""

    name: str
    type: str
    level: str
    operators: list[str]
    description: str


class DryRunRequest(BaseModel):
    """A saved rule (`rule_id`) or an unsaved one (`rule`), and samples of the rule's stream to evaluate it on."""

    model_config = ConfigDict(extra="forbid")

    rule_id: DocumentId | None = None
    rule: RuleSpec | None = None
    declarations: list[Declaration] = Field(default_factory=list, max_length=1000)
    passengers: list[PassengerRecord] = Field(default_factory=list, max_length=1000)
    containers: list[ContainerEvent] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        if (self.rule_id is None) == (self.rule is None):
            raise ValueError("give either rule_id (a saved rule) or rule (an unsaved one)")
        if not (self.declarations or self.passengers or self.containers):
            raise ValueError("give samples: declarations, passengers or containers (the rule's stream)")
        return self

    def samples(self, stream: Stream) -> list[Declaration] | list[PassengerRecord] | list[ContainerEvent]:
        """The samples of the rule's stream (the field named as the stream in the catalogue)."""
        samples: list[Declaration] | list[PassengerRecord] | list[ContainerEvent] = getattr(
            self, CATALOGUE.of(stream).name
        )
        return samples


class DryRunResult(BaseModel):
    """What the rule does to one sample."""

    declaration_id: str | None = Field(default=None, description="Declarations only (also in `subject_id`)")
    subject_id: str = Field(description="Declaration id, passenger record id or container event id")
    matched: bool
    items: list[int] = Field(description="1-based numbers of the matching items (0: header fields only)")


class DryRunAnswer(BaseModel):
    """The rule's effect on the sample."""

    rule_id: str | None
    in_force_now: bool
    action: Action
    reason: str
    matched: int
    total: int
    results: list[DryRunResult]
