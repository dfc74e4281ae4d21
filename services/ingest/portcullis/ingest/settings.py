"""Ingest settings (env PORTCULLIS_INGEST_*)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.shared.auth import AuthSettings
from portcullis.shared.settings import KafkaSettings


class IngestSettings(BaseSettings):
    """How ingest listens and publishes."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_INGEST_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8001
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="Larger bodies get 413")
    max_batch: int = Field(default=1000, ge=1, description="Most items in one POST")
    publish_timeout_s: float = Field(default=10.0, gt=0, description="Longest wait for the broker's acks")
    log_level: str = "INFO"
