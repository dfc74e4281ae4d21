"""Scoring settings (env PORTCULLIS_SCORING_*)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.shared.schemas import Lane
from portcullis.shared.settings import KafkaSettings


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
    random_selection_lane: Lane = Lane.RED
    random_selection_secret: SecretStr = Field(
        default=SecretStr("change-me"), description="Keys the random draw so submitters cannot predict it"
    )
    log_level: str = "INFO"
