"""Analytics settings (env PORTCULLIS_ANALYTICS_*)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.analytics.mirror.settings import MirrorSettings
from portcullis.shared.auth import AuthSettings
from portcullis.shared.http import HttpSettings
from portcullis.shared.schemas import Lane
from portcullis.shared.screening.matcher import DEFAULT_MATCH_THRESHOLD
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import DECLARATIONS


class RetentionSettings(BaseSettings):
    """Days each dataset of the history store is kept (env PORTCULLIS_ANALYTICS_RETENTION_*); 0 keeps it forever."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_ANALYTICS_RETENTION_", frozen=True, extra="ignore")

    declarations: int = Field(default=0, ge=0)
    passengers: int = Field(default=0, ge=0)
    #: Names, document numbers, birth dates: kept only as long as the law allows (the EU PNR directive: 5 years).
    passengers_personal: int = Field(default=5 * 365, ge=0)
    containers: int = Field(default=0, ge=0)
    decisions: int = Field(default=0, ge=0)
    outcomes: int = Field(default=0, ge=0)
    clearance_events: int = Field(default=0, ge=0)

    def days(self, dataset: str) -> int:
        """The retention of a dataset in days (0: forever)."""
        return int(getattr(self, dataset))


class RescreenSettings(BaseSettings):
    """Re-screening the stored history when a watchlist entry is added or changed (env PORTCULLIS_ANALYTICS_RESCREEN_*).

    The thresholds are scoring's (`PORTCULLIS_SCORING_SCREENING_THRESHOLD`, `..._STRONG_SCORE`): set both alike.
    """

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_ANALYTICS_RESCREEN_", frozen=True, extra="ignore")

    enabled: bool = Field(default=True, description="Follow the watchlist and re-screen the history on a change")
    days: int = Field(default=30, ge=1, le=3 * 366, description="How many days of stored records are re-screened")
    group_id: str = Field(default="analytics-rescreen", description="Consumer group of the watchlist's re-screener")
    threshold: float = Field(
        default=DEFAULT_MATCH_THRESHOLD, gt=0, le=1, description="Name match score at which a hit counts"
    )
    strong_score: float = Field(
        default=0.95, gt=0, le=1, description="Name match score from which a hit is strong (else a possible match)"
    )
    heartbeat_s: float = Field(default=15.0, gt=0, description="Heartbeat of the alerts' event stream")
    max_batch: int = Field(
        default=20_000,
        ge=1,
        description="Watchlist records per batch: a batch's new entries are screened in one pass over the history, so "
        "a list import (thousands of entries) takes one pass, not one per entry",
    )
    max_batch_seconds: int = Field(
        default=3600,
        ge=60,
        description="The longest one pass may take before the consumer group gives its partitions to another member "
        "(Kafka's max.poll.interval.ms)",
    )


class AnalyticsSettings(BaseSettings):
    """Where the history store lives, how the sink consumes and what the reports assume."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_ANALYTICS_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8004
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    store_path: Path = Field(default=Path(".run/history"), description="Folder of the history store (Parquet)")
    personal_store_path: Path = Field(
        default=Path(".run/history-personal"),
        description="Folder of passengers' personal data: its own volume, permissions and retention",
    )
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    mirror: MirrorSettings = Field(default_factory=MirrorSettings)
    rescreen: RescreenSettings = Field(default_factory=RescreenSettings)
    retention_check_s: float = Field(
        default=3600.0, gt=0, description="How often expired days are deleted and closed days compacted"
    )
    compact_days: int = Field(default=3, ge=0, description="Closed days (before today, UTC) that are compacted")
    group_id: str = Field(default="analytics-sink", description="Consumer group of the history store's sink")
    sink: bool = Field(default=True, description="Run the sink (False: serve reports over an existing store)")
    max_batch: int = Field(default=20_000, ge=1, description="Most records written to the store in one batch")
    fetch_min_bytes: int = Field(
        default=256 * 1024, ge=1, description="The sink waits for this much data (or fetch_max_wait_ms) per fetch"
    )
    fetch_max_wait_ms: int = Field(
        default=500, ge=0, description="Longest wait for fetch_min_bytes: larger batches make fewer, larger files"
    )
    release_target_hours: float = Field(
        default=24.0, gt=0, description="Time-release target: the share released within it is reported"
    )
    metrics_refresh_s: float = Field(default=300.0, gt=0, description="How often the headline metrics are computed")
    metrics_window_days: int = Field(default=30, ge=1, description="The period of the headline metrics: last N days")
    capacity_red_rate: float = Field(
        default=0.05, gt=0, le=1, description="Share of declarations the agency can examine (red): backtests compare"
    )
    capacity_yellow_rate: float = Field(
        default=0.10, gt=0, le=1, description="Share of declarations it can check by documents (yellow)"
    )
    random_selection_rate: float = Field(
        default=0.01, ge=0, le=0.5, description="Scoring's random selection rate: backtests replay its draw"
    )
    random_selection_lane: Lane = DECLARATIONS.scoring.random_selection_lane
    random_selection_secret: SecretStr = Field(
        default=SecretStr("change-me"), description="Scoring's random selection secret (the same value)"
    )
    backtest_max_seconds: float = Field(default=300.0, gt=0, description="Wall-clock limit of one backtest")
    model_registry: Path = Field(
        default=Path(".run/models"),
        description="Scoring's model registry (read only): the versions that model backtests re-score with",
    )
    expected_red_rate: float | None = Field(
        default=None, ge=0, le=1, description="Scoring's PORTCULLIS_SCORING_EXPECTED_RED_RATE (the same value)"
    )
    expected_yellow_rate: float | None = Field(
        default=None, ge=0, le=1, description="Scoring's PORTCULLIS_SCORING_EXPECTED_YELLOW_RATE (the same value)"
    )
    log_level: str = "INFO"

    def sink_kafka(self) -> KafkaSettings:
        """The Kafka settings of the sink: larger fetches than the latency-bound services use."""
        return self.kafka.model_copy(
            update={"fetch_min_bytes": self.fetch_min_bytes, "fetch_max_wait_ms": self.fetch_max_wait_ms}
        )
