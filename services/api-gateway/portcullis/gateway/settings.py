"""Gateway settings (env PORTCULLIS_GATEWAY_*)."""

import secrets

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from portcullis.shared.auth import AuthSettings
from portcullis.shared.http import HttpSettings
from portcullis.shared.settings import KafkaSettings


class GatewaySettings(BaseSettings):
    """Where the gateway listens, what it consumes and where it stores decisions."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_GATEWAY_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    group_id: str = "portcullis-gateway"
    database_url: SecretStr = Field(
        default=SecretStr("sqlite+aiosqlite:///.run/gateway.db"),
        description="SQLAlchemy async URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASS@HOST/DB",
    )
    migrate_on_start: bool = Field(default=True, description="Apply migrations at start (off when a Job does it)")
    max_batch: int = Field(default=1000, ge=1)
    live_heartbeat_s: float = Field(default=15.0, gt=0, description="Heartbeat comment interval of live streams")
    live_poll_s: float = Field(
        default=0.25,
        gt=0,
        description="How often live streams look for decisions other gateway replicas stored (this replica's own "
        "are streamed right after their commit)",
    )
    live_queue_size: int = Field(
        default=10_000, ge=1, description="Decisions a live client may fall behind before it is disconnected"
    )
    live_streams_per_key: int = Field(
        default=5, ge=1, description="Live streams one API key may hold open at once; 429 above"
    )
    outbox_retry_s: float = Field(default=10.0, gt=0, description="How often unpublished outcomes are retried")
    publish_timeout_s: float = Field(default=5.0, gt=0, description="Wait for Kafka's acknowledgement of an outcome")
    max_body_bytes: int = Field(
        default=64 * 1024, gt=0, description="Largest request body (an outcome report, a key request); 413 above"
    )
    cursor_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        description="Key that signs page cursors (HMAC), the same on every replica; in development a random one "
        "per process, in production required",
    )
    console_session_hours: float = Field(
        default=8.0, gt=0, le=24, description="How long a console sign-in lasts (sessions live in this process)"
    )
    console_secure_cookie: bool | None = Field(
        default=None,
        description="Mark the console's cookies Secure: true behind TLS, false for plain HTTP; unset: Secure when the "
        "request came over HTTPS",
    )
    watchlist_url: str = Field(
        default="http://127.0.0.1:8003", description="The watchlist service, for the console's rules and entries"
    )
    analytics_url: str = Field(
        default="http://127.0.0.1:8004",
        description="The analytics service, for the console's alerts, backtests and charts (called by the gateway "
        "with the signed-in key; browsers never reach it)",
    )
    log_level: str = "INFO"
