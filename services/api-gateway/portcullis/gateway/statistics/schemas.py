"""What the statistics API answers."""

from datetime import datetime

from pydantic import BaseModel, Field

from portcullis.shared.schemas import Stream


class GroupStatistics(BaseModel):
    """Decisions of one group (a lane, office, rule, model version) and what their inspections found."""

    decisions: int = Field(description="Decisions in the group")
    share: float = Field(description="Share of all decisions in the range (0..1)")
    lanes: dict[str, int] = Field(description="Decisions per lane")
    inspected: int = Field(description="Decisions with an outcome that says inspected")
    irregularities: int = Field(description="Inspections that found an irregularity")
    hit_rate: float | None = Field(description="irregularities / inspected (None when nothing was inspected)")


class Percentiles(BaseModel):
    """Percentiles of a duration in seconds (None when there is no decision in the range)."""

    count: int = Field(description="Decisions the percentiles are computed over")
    p50: float | None
    p95: float | None
    p99: float | None
    sampled: bool = Field(description="True when only the most recent decisions of a large range were used")


class Statistics(BaseModel):
    """Lane mix, hit rates and latencies of one stream's decisions over a time range."""

    stream: Stream
    decided_from: datetime | None
    decided_to: datetime | None
    decisions: int = Field(description="Subjects decided in the range, each once (its current decision)")
    amended: int = Field(description="Of those, subjects whose current decision is an amendment (version 2 or later)")
    lanes: dict[str, GroupStatistics] = Field(description="Per lane (the lane mix and the hit rate per lane)")
    offices: dict[str, GroupStatistics] = Field(description="Per office of lodgement (`unknown` when not given)")
    rules: dict[str, GroupStatistics] = Field(description="Per selectivity rule that gave a reason (rule id)")
    model_versions: dict[str, GroupStatistics] = Field(description="Per model version (`none` without a model)")
    random_selection: GroupStatistics = Field(description="Random selections only (the unbiased hit rate)")
    submission_to_decision_s: Percentiles = Field(description="From submitted_at to decided_at")
    receipt_to_decision_s: Percentiles = Field(description="From received_at (ingest) to decided_at")
