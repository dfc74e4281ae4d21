"""The compose file for agencies that run compose: loaded as `docker compose config` loads it (compose-go, the
Compose Specification's loader and schema, via scripts/composecheck), and wired as the services need."""

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.promql import REPO

COMPOSE = REPO / "deploy" / "compose" / "compose.yaml"
SERVICES = ("ingest", "scoring", "watchlist", "api-gateway")

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="Go builds the compose checker (compose-go)")


@cache
def checker() -> Path:
    target = Path(os.environ.get("TMPDIR", "/tmp")) / f"portcullis-composecheck-{os.getuid()}"
    built = subprocess.run(
        ["go", "build", "-o", str(target), "."],
        cwd=REPO / "scripts" / "composecheck",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return target


def load(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(checker()), str(path)], capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **env}
    )


@cache
def project() -> dict[str, Any]:
    result = load(
        COMPOSE,
        PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET="not-for-production",
        PORTCULLIS_GATEWAY_CURSOR_SECRET="not-either",
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_the_compose_file_is_valid_and_runs_the_images_make_images_builds() -> None:
    services = project()["services"]
    for name in SERVICES:
        assert services[name]["image"] == f"localhost/portcullis/{name}:latest", name
        assert services[name]["user"] == "10001", name
        assert services[name]["read_only"] is True, name
        env = services[name]["environment"]
        assert env["PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name
        assert services[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully", name
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["admin-key"]["entrypoint"] == ["python", "-m", "portcullis.shared.auth.bootstrap"]
    assert services["scoring"]["environment"]["PORTCULLIS_SCORING_MODEL_REGISTRY"] == "/models"
    for name, variable in (("watchlist", "WATCHLIST"), ("api-gateway", "GATEWAY")):
        url = services[name]["environment"][f"PORTCULLIS_{variable}_DATABASE_URL"]
        [volume] = services[name]["volumes"]
        assert url.startswith(f"sqlite+aiosqlite:///{volume['target']}/"), name
    assert services["watchlist"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in services["watchlist"]


def test_the_checker_refuses_a_broken_file_and_a_missing_secret(tmp_path: Path) -> None:
    assert load(COMPOSE).returncode != 0, "the random-selection secret has no default"
    document = yaml.safe_load(COMPOSE.read_text())
    document["services"]["ingest"]["enviroment"] = document["services"]["ingest"].pop("environment", {})
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(document))
    result = load(broken, PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET="x", PORTCULLIS_GATEWAY_CURSOR_SECRET="y")
    assert result.returncode != 0
    assert "enviroment" in result.stderr
