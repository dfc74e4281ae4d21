"""Scoring settings (env PORTCULLIS_SCORING_*)."""

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.scoring.blue_lane import BlueLaneSettings
from portcullis.shared.schemas import Lane
from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import CONTAINERS, DECLARATIONS, PASSENGERS, ScoringDefaults, StreamSpec


class ScoringSettings(BaseSettings):
    """How scoring consumes, which model it uses and how it sets lanes."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_SCORING_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8002, description="Health and metrics")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    group_id: str = "portcullis-scoring"
    max_batch: int = Field(default=1000, ge=1, description="Most records scored in one batch")
    model_registry: Path = Field(default=Path(".run/models"), description="Folder of published model versions")
    model_poll_s: float = Field(default=2.0, gt=0, description="How often to look for a newly published model")
    expected_red_rate: float | None = Field(
        default=None, ge=0, le=1, description="Share of declarations for red; None keeps the model's own"
    )
    expected_yellow_rate: float | None = Field(
        default=None, ge=0, le=1, description="Share of declarations for yellow; None keeps the model's own"
    )
    random_selection_rate: float = Field(default=0.01, ge=0, le=0.5, description="Share of would-be-green inspected")
    random_selection_lane: Lane = DECLARATIONS.scoring.random_selection_lane
    random_selection_secret: SecretStr = Field(
        default=SecretStr("change-me"), description="Keys the random draw so submitters cannot predict it"
    )
    # The blue lane (declarations only; docs/model.md "The blue lane"): off until a band is configured.
    blue_band_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of declarations (of the model's reference scores) just above the yellow threshold in "
        "which a good-record importer's declaration goes blue; 0 means no blue lane",
    )
    blue_max_rate: float = Field(
        default=0.02, ge=0, le=1, description="The blue lane's capacity share: most declarations blue; beyond, yellow"
    )
    blue_min_inspections: int = Field(
        default=5, ge=1, description="A good record: at least this many of the importer's declarations inspected ..."
    )
    blue_max_fraud_rate: float = Field(
        default=0.0, ge=0, le=1, description="... and at most this share of them found fraudulent"
    )
    # Passenger records and container events: no model, a risk-indicator score (see docs/streams.md).
    passenger_yellow_score: float = Field(
        default=PASSENGERS.scoring.yellow_score, gt=0, le=1, description="Indicator score for yellow"
    )
    passenger_red_score: float = Field(
        default=PASSENGERS.scoring.red_score, gt=0, le=1, description="Indicator score for red (hold)"
    )
    container_yellow_score: float = Field(
        default=CONTAINERS.scoring.yellow_score, gt=0, le=1, description="Indicator score for a scan"
    )
    container_red_score: float = Field(
        default=CONTAINERS.scoring.red_score, gt=0, le=1, description="Indicator score for examination"
    )
    passenger_random_selection_lane: Lane = Field(
        default=PASSENGERS.scoring.random_selection_lane,
        description="Random passenger selections go to secondary questioning",
    )
    container_random_selection_lane: Lane = Field(
        default=CONTAINERS.scoring.random_selection_lane, description="Random containers get a scan"
    )
    screening_threshold: float = Field(
        default=DEFAULT_MATCH_THRESHOLD, gt=0, le=1, description="Name match score at which a watchlist hit counts"
    )
    screening_strong_score: float = Field(
        default=0.95,
        gt=0,
        le=1,
        description="Name match score from which a hit takes the entry's action; weaker hits ask for a check (yellow)",
    )
    review_threshold: float = Field(
        default=DECLARATIONS.scoring.review_threshold,
        gt=0,
        le=1,
        description="Declarations: a party's name match from this score up to `screening_strong_score` sets no lane "
        "but waits for an analyst's review (at or above `screening_strong_score` it is a hit)",
    )
    party_cache_entries: int = Field(
        default=100_000, ge=0, description="Declarations: most party and vessel name screenings kept (0: none kept)"
    )
    party_cache_bytes: int = Field(
        default=64 * 2**20, ge=0, description="Declarations: most memory of the kept name screenings (estimated bytes)"
    )
    passenger_review_threshold: float = Field(
        default=PASSENGERS.scoring.review_threshold, gt=0, le=1, description="The same for travellers"
    )
    container_review_threshold: float = Field(
        default=CONTAINERS.scoring.review_threshold, gt=0, le=1, description="The same for shippers and consignees"
    )
    document_validity_min_days: int = Field(
        default=90, ge=0, description="A document valid for fewer days after arrival is a (weak) risk indicator"
    )
    high_risk_port_countries: list[str] = Field(
        default=["CU", "IR", "KP", "SY"],
        description="Countries whose ports on a container's route are a risk indicator (comprehensive sanctions)",
    )
    link_window_days: float = Field(
        default=30,
        gt=0,
        le=90,
        description="How long a container event's risks and a declaration's containers link the two streams "
        "(the `links` topic keeps them 90 days)",
    )
    log_level: str = "INFO"

    def group_of(self, stream: StreamSpec[Any]) -> str:
        """The consumer group that scores `stream` (each stream its own, so one's backlog never holds up another)."""
        return self.group_id + stream.group_suffix

    def blue_lane(self) -> BlueLaneSettings:
        """The blue lane's configuration."""
        return BlueLaneSettings(
            self.blue_band_rate, self.blue_max_rate, self.blue_min_inspections, self.blue_max_fraud_rate
        )

    def scoring_of(self, stream: StreamSpec[Any]) -> ScoringDefaults:
        """The stream's lane thresholds and random-selection lane: these settings for the streams they name, the
        catalogue's defaults for any other."""
        configured = {
            "declaration": ScoringDefaults(
                random_selection_lane=self.random_selection_lane, review_threshold=self.review_threshold
            ),
            "passenger": ScoringDefaults(
                self.passenger_yellow_score,
                self.passenger_red_score,
                self.passenger_random_selection_lane,
                self.passenger_review_threshold,
            ),
            "container": ScoringDefaults(
                self.container_yellow_score,
                self.container_red_score,
                self.container_random_selection_lane,
                self.container_review_threshold,
            ),
        }
        return configured.get(stream.kind, stream.scoring)
