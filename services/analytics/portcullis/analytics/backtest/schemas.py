"""What a backtest is asked for and what it answers."""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from portcullis.shared.schemas.watchlist import DocumentId, RuleSpec

#: Longest period one backtest replays: a bound on the work one request may ask for.
MAX_BACKTEST_DAYS = 366


class BacktestRequest(BaseModel):
    """Rules (drafts, as `PUT /v1/rules/{id}` takes them), saved rules by id, or both, over a period of history."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rules: list[RuleSpec] = Field(default_factory=list, max_length=200, description="Draft rules, not saved")
    rule_ids: list[DocumentId] = Field(
        default_factory=list, max_length=200, description="Saved rules, as the watchlist service publishes them"
    )
    with_current_rules: bool = Field(
        default=False, description="Add every saved rule (today's rule set) to the rules under test"
    )
    model_version: str | None = Field(
        default=None,
        max_length=200,
        description="A version of the model registry (`portcullis model list`): the period is re-scored with it and "
        "its own thresholds; with rules, rule_ids or with_current_rules those replace the stored rules, else the "
        "stored rules' effect stands",
    )
    first: date = Field(alias="from", description="First day of the period (UTC)")
    last: date = Field(alias="to", description="Last day of the period, included (UTC)")

    @model_validator(mode="after")
    def _something_to_test(self) -> Self:
        if not self.rules and not self.rule_ids and not self.with_current_rules and self.model_version is None:
            raise ValueError("give rules, rule_ids, with_current_rules or model_version")
        return self


class JobStatus(StrEnum):
    """Where a backtest job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class LaneCounts(BaseModel):
    """Records per lane (blue: declarations released for post-clearance audit, when the agency uses that lane)."""

    green: int = 0
    blue: int = 0
    yellow: int = 0
    red: int = 0


class RuleCount(BaseModel):
    """How many records one rule under test matched (in force at the record's decision time)."""

    rule_id: str
    name: str
    matched: int


class Outcomes(BaseModel):
    """What the latest outcomes say about the records the backtest selects (red or yellow)."""

    with_outcome: int = Field(description="Selected records whose latest outcome says they were inspected")
    hits: int = Field(description="Of those, inspections that found an irregularity")
    hit_rate: float | None = Field(description="hits / with_outcome")
    revenue_recovered: float = Field(description="Revenue recovered by those inspections (outcomes' currency)")


class Overlap(BaseModel):
    """The backtest's selection (red or yellow) against what scoring actually selected (the stored decisions)."""

    both: int = Field(description="Selected by the backtest and actually selected")
    backtest_only: int = Field(description="Selected by the backtest, actually green")
    stored_only: int = Field(description="Actually selected, green in the backtest")
    same_lane: int = Field(description="Records whose backtest lane equals the stored lane")


class Rates(BaseModel):
    """Red and yellow rates of the stored decisions and of the backtest, and the capacity they are measured against."""

    stored_red_rate: float
    stored_yellow_rate: float
    backtest_red_rate: float
    backtest_yellow_rate: float
    red_rate_change: float = Field(description="backtest_red_rate - stored_red_rate")
    yellow_rate_change: float = Field(description="backtest_yellow_rate - stored_yellow_rate")
    capacity_red_rate: float = Field(description="The share of declarations the agency can examine (red)")
    capacity_yellow_rate: float = Field(description="The share of declarations it can check by documents (yellow)")
    red_capacity_used: float | None = Field(description="backtest_red_rate / capacity_red_rate")
    yellow_capacity_used: float | None = Field(description="backtest_yellow_rate / capacity_yellow_rate")


class ModelUsed(BaseModel):
    """The model a model backtest re-scored the period with."""

    version: str
    yellow_threshold: float = Field(description="Scores at or above it are yellow (the model's own threshold)")
    red_threshold: float = Field(description="Scores at or above it are red")
    scores_changed: int = Field(
        description="Records whose score (model plus rule and watchlist additions) differs from the stored one"
    )


class BacktestResult(BaseModel):
    """The answer of a finished backtest."""

    records: int = Field(description="Declarations decided in the period (each once, its latest decision)")
    stored_lanes: LaneCounts
    backtest_lanes: LaneCounts
    rules: list[RuleCount]
    selected: int = Field(description="Records the backtest sends to red or yellow")
    overlap: Overlap
    outcomes: Outcomes
    declared_value_selected: float = Field(description="Declared value of the selected records: the value at stake")
    rates: Rates
    random_selections: int = Field(description="Records in the random lane (scoring's draw, replayed)")
    uncertain_lanes: int = Field(
        description="Records whose new score lies between the stored scores that bound a threshold: their lane is "
        "the stored scores' best guess (more history narrows the gap)"
    )
    seconds: float
    model: ModelUsed | None = Field(default=None, description="The model under test, for a model backtest")


class BacktestJob(BaseModel):
    """A backtest job: its status, progress and, when done, its result."""

    id: str
    status: JobStatus
    period_from: date = Field(serialization_alias="from")
    period_to: date = Field(serialization_alias="to")
    rule_ids: list[str]
    model_version: str | None = None
    records_done: int = 0
    records_total: int | None = None
    error: str | None = None
    result: BacktestResult | None = None
