"""Watchlist settings (env PORTCULLIS_WATCHLIST_*)."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.shared.auth import AuthSettings
from portcullis.shared.http import HttpSettings
from portcullis.shared.settings import KafkaSettings


class WatchlistSettings(BaseSettings):
    """Where the watchlist service listens, stores and publishes."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_WATCHLIST_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8003
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    database_url: SecretStr = Field(
        default=SecretStr("sqlite+aiosqlite:///.run/watchlist.db"),
        description="SQLAlchemy async URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASS@HOST/DB",
    )
    migrate_on_start: bool = Field(default=True, description="Apply migrations at start (off when a Job does it)")
    republish_interval_s: float = Field(
        default=5.0, gt=0, description="How often changes whose publication failed are retried"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest request body (an entry, a rule, a dry run); 413 above"
    )
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest body of a list import (the OFAC SDN files); 413 above"
    )
    refresh_sources: dict[str, str] = Field(
        default_factory=dict,
        description="Lists to refresh on a schedule: source name → URL or folder, as JSON, e.g."
        ' {"un-sc": "https://…/consolidated.xml", "eu-fsf": "/srv/lists/eu"}; empty: no scheduled refresh',
    )
    refresh_interval_s: float = Field(default=86400.0, ge=60, description="Seconds between scheduled refreshes")
    log_level: str = "INFO"
