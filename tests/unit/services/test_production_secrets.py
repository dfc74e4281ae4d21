"""Outside development no service starts on a default, empty or placeholder secret, and it names the variable."""

import os
import subprocess
import sys

import pytest

from portcullis.gateway.settings import GatewaySettings
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.environment import DefaultSecretError, Environment, default_secrets, refuse_default_secrets
from portcullis.shared.settings import KafkaSettings

#: What each service needs set in production (the databases' URLs carry their passwords).
REQUIRED = {
    "portcullis.scoring": ["PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET"],
    "portcullis.gateway": ["PORTCULLIS_GATEWAY_DATABASE_URL", "PORTCULLIS_GATEWAY_CURSOR_SECRET"],
    "portcullis.watchlist": ["PORTCULLIS_WATCHLIST_DATABASE_URL"],
}


def _clean_environment(**extra: str) -> dict[str, str]:
    kept = {name: value for name, value in os.environ.items() if not name.startswith("PORTCULLIS_")}
    return {**kept, **extra}


@pytest.mark.parametrize(("module", "variables"), REQUIRED.items())
def test_a_service_refuses_to_start_in_production_naming_each_unset_secret(module: str, variables: list[str]) -> None:
    # No PORTCULLIS_ENVIRONMENT at all: production is the default.
    result = subprocess.run(
        [sys.executable, "-m", module], env=_clean_environment(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("refusing to start in production with a default, empty or placeholder secret")
    for variable in variables:
        assert variable in message


def test_the_placeholder_random_selection_secret_is_refused_in_production_only() -> None:
    placeholder = ScoringSettings(random_selection_secret="change-me")  # type: ignore[arg-type]
    with pytest.raises(DefaultSecretError) as refused:
        refuse_default_secrets(placeholder, Environment.PRODUCTION)
    assert refused.value.variables == ["PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET"]
    refuse_default_secrets(placeholder, Environment.DEVELOPMENT)
    chosen = ScoringSettings(random_selection_secret="6f1c0e0a4b3d9e2f")  # type: ignore[arg-type]
    refuse_default_secrets(chosen, Environment.PRODUCTION)


def test_nested_secrets_are_checked_and_an_unset_optional_one_is_not() -> None:
    gateway = GatewaySettings(
        database_url="postgresql+asyncpg://gw:pw@db/gw",  # type: ignore[arg-type]
        cursor_secret="  ",  # type: ignore[arg-type]
        kafka=KafkaSettings(sasl_mechanism="SCRAM-SHA-512", sasl_username="gw", sasl_password=""),  # type: ignore[arg-type]
    )
    assert default_secrets(gateway) == ["PORTCULLIS_KAFKA_SASL_PASSWORD", "PORTCULLIS_GATEWAY_CURSOR_SECRET"]
    assert default_secrets(KafkaSettings()) == []  # no SASL password is fine where the broker asks for none
