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

    def topic(self, name: str) -> str:
        """The full name of a logical topic (`declarations` -> `<prefix>declarations`)."""
        return f"{self.topic_prefix}{name}"

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
