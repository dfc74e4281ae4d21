"""Gateway settings (env PORTCULLIS_GATEWAY_*)."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.shared.settings import KafkaSettings


class GatewaySettings(BaseSettings):
    """Where the gateway listens, what it consumes and where it stores decisions."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_GATEWAY_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    group_id: str = "portcullis-gateway"
    database_url: SecretStr = Field(
        default=SecretStr("sqlite+aiosqlite:///.run/gateway.db"),
        description="SQLAlchemy async URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASS@HOST/DB",
    )
    migrate_on_start: bool = Field(default=True, description="Apply migrations at start (off when a Job does it)")
    max_batch: int = Field(default=1000, ge=1)
    log_level: str = "INFO"
