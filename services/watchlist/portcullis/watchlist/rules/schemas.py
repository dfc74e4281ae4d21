"""What the rules API takes and answers besides the shared documents."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.watchlist import Action, DocumentId, RuleDocument, RuleSpec


class RulePage(BaseModel):
    """A page of rules, ordered by id."""

    items: list[RuleDocument]
    next_after: str | None


class FieldInfo(BaseModel):
    """A field rules can test."""

    name: str
    type: str
    level: str
    operators: list[str]
    description: str


class DryRunRequest(BaseModel):
    """A saved rule (`rule_id`) or an unsaved one (`rule`), and sample declarations to evaluate it on."""

    model_config = ConfigDict(extra="forbid")

    rule_id: DocumentId | None = None
    rule: RuleSpec | None = None
    declarations: list[Declaration] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        if (self.rule_id is None) == (self.rule is None):
            raise ValueError("give either rule_id (a saved rule) or rule (an unsaved one)")
        return self


class DryRunResult(BaseModel):
    """What the rule does to one declaration."""

    declaration_id: str
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
