"""Settings every service shares: the Kafka connection and topic names."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """How to reach Kafka (env PORTCULLIS_KAFKA_*), the same for every service.

    Anyone with their own cluster sets PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS and skips the local broker.
    """

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_KAFKA_", frozen=True, extra="ignore")

    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="Comma-separated host:port list")
    topic_prefix: str = Field(default="", description="Prepended to every topic name (isolates tests, tenants)")
    client_id: str = "portcullis"
    security_protocol: str = Field(default="PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    request_timeout_ms: int = Field(default=10_000, ge=1_000)
    # Latency: defaults for a decision within milliseconds, not for the fewest requests to the broker.
    linger_ms: int = Field(
        default=0,
        ge=0,
        description="Producer wait for more messages before sending a batch. 0: send at once; while a request "
        "is in flight the next messages gather anyway, so batches still form under load",
    )
    fetch_min_bytes: int = Field(
        default=1, ge=1, description="Broker answers a fetch once this much data is there (1: as soon as any)"
    )
    fetch_max_wait_ms: int = Field(
        default=100,
        ge=0,
        description="Longest the broker holds a fetch waiting for fetch_min_bytes; with 1 byte it only bounds "
        "idle polls and how soon a fetch after a rewind or rebalance goes out (aiokafka default 500)",
    )

    commit_interval_ms: int = Field(
        default=500,
        ge=0,
        description="Consumers commit the offsets of handled batches at most this often (and when they stop or "
        "lose partitions). A crash replays at most this much handled work, which every handler absorbs (its "
        "writes are idempotent); 0 commits after every batch, at a broker round trip per batch",
    )

    def topic(self, name: str) -> str:
        """The full name of a logical topic (`declarations` -> `<prefix>declarations`)."""
        return f"{self.topic_prefix}{name}"

    def consumer_options(self) -> dict[str, object]:
        """Fetch options for aiokafka consumers (with `client_options`)."""
        return {"fetch_min_bytes": self.fetch_min_bytes, "fetch_max_wait_ms": self.fetch_max_wait_ms}

    def client_options(self) -> dict[str, object]:
        """Connection options for aiokafka clients."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value() if self.sasl_password else None
        return options
