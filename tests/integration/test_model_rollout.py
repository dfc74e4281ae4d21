"""Rolling out a model: the running scoring service switches without a restart, decisions say which model, and a
challenger is scored in shadow."""

import shutil
import time
from pathlib import Path

import httpx
import pytest

from portcullis.cli.processes import ServiceSet
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.riskmodel.training import TrainingConfig, train_model
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


async def test_a_newly_published_model_scores_the_next_declarations_without_a_restart(
    tmp_path: Path,
    kafka: KafkaSettings,
    model_registry: Path,
    train_csv: Path,
    valid_csv: Path,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    registry = tmp_path / "models"
    shutil.copytree(model_registry, registry)
    services = ServiceSet(tmp_path, kafka, registry)
    try:
        gateway = services.start("gateway")
        scoring = services.start("scoring", {"PORTCULLIS_SCORING_MODEL_POLL_S": "0.5"})
        ingest = services.start("ingest")
        first_version = ModelRegistry(registry).current_version()

        async def decided(batch: list[dict[str, object]]) -> list[dict[str, object]] | None:
            found = []
            for declaration in batch:
                response = await http.get(f"{gateway.url}/v1/decisions/{declaration['declaration_id']}")
                if response.status_code != 200:
                    return None
                found.append(response.json())
            return found

        before = sample_declarations[:20]
        assert (await http.post(f"{ingest.url}/v1/declarations", json=before)).status_code == 202
        assert {d["model_version"] for d in await wait_for(lambda: decided(before), 20)} == {first_version}

        artifact = tmp_path / "challenger"
        train_model(train_csv, valid_csv, artifact, TrainingConfig(rounds=40))
        new_version = ModelRegistry(registry).publish(artifact)
        assert new_version != first_version

        async def switched() -> bool:
            metrics = (await http.get(f"{scoring.url}/metrics")).text
            return f'portcullis_model_info{{version="{new_version}"}} 1.0' in metrics

        await wait_for(switched, 20)
        after = sample_declarations[20:40]
        assert (await http.post(f"{ingest.url}/v1/declarations", json=after)).status_code == 202
        assert {d["model_version"] for d in await wait_for(lambda: decided(after), 20)} == {new_version}

        # The old model as challenger: scored in shadow and recorded, while the published one sets the lane.
        ModelRegistry(registry).set_challenger(first_version)

        async def shadowing() -> bool:
            probe = sample_declarations[40 + int(time.monotonic() * 10) % 1000 :][:1]
            assert (await http.post(f"{ingest.url}/v1/declarations", json=probe)).status_code == 202
            found = await wait_for(lambda: decided(probe), 20)
            return found[0]["challenger_version"] == first_version

        await wait_for(shadowing, 30, 0.5)
        shadowed = sample_declarations[1100:1120]
        assert (await http.post(f"{ingest.url}/v1/declarations", json=shadowed)).status_code == 202
        for decision in await wait_for(lambda: decided(shadowed), 20):
            assert decision["model_version"] == new_version
            assert decision["challenger_version"] == first_version
            assert 0.0 <= decision["challenger_score"] <= 1.0
        assert scoring.process is not None
        assert scoring.process.poll() is None  # the same process throughout
    finally:
        services.stop_all()
