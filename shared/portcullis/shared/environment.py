"""Where a service runs (development or production), and the refusal to run in production on default secrets."""

from enum import StrEnum

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Values that are never a secret, whatever a deployment meant by them.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "password", "default"})


class Environment(StrEnum):
    """Development allows default secrets (make up, the tests); production refuses them."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class EnvironmentSettings(BaseSettings):
    """The environment, the same for every service (env PORTCULLIS_ENVIRONMENT)."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_", frozen=True, extra="ignore")

    environment: Environment = Field(
        default=Environment.PRODUCTION,
        description="production (the default: a forgotten setting fails closed) or development (`make up` and the "
        "tests set it), which accepts default secrets",
    )


class DefaultSecretError(RuntimeError):
    """A production service was given a default, empty or placeholder secret."""

    def __init__(self, variables: list[str]) -> None:
        super().__init__(
            "refusing to start in production with a default, empty or placeholder secret: set "
            + ", ".join(variables)
            + " (or PORTCULLIS_ENVIRONMENT=development on a development machine)"
        )
        self.variables = variables


def default_secrets(settings: BaseSettings) -> list[str]:
    """The environment variables of the secrets in `settings` (and nested settings) that were not set, or were
    set to an empty or placeholder value. An optional secret left unset (None) is not one of them."""
    prefix = str(settings.model_config.get("env_prefix") or "")
    variables = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseSettings):
            variables.extend(default_secrets(value))
        elif isinstance(value, SecretStr):
            unset = name not in settings.model_fields_set
            if unset or value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                variables.append(f"{prefix}{name}".upper())
    return variables


def refuse_default_secrets(settings: BaseSettings, environment: Environment) -> None:
    """Raise DefaultSecretError naming each variable to set, in production; do nothing in development."""
    if environment is Environment.PRODUCTION:
        variables = default_secrets(settings)
        if variables:
            raise DefaultSecretError(variables)
