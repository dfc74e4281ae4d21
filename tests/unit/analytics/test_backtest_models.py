"""The model under test of a model backtest: a registry version with its own thresholds (or scoring's lane rates);
an unknown version and one whose features cannot be computed from a declaration are refused before any job."""

import json
import shutil
from pathlib import Path

import pytest

from portcullis.analytics.backtest.models import ModelNotFoundError, ModelUnusableError, load_model_under_test
from portcullis.shared.riskmodel import ModelRegistry, RiskModel
from portcullis.shared.riskmodel.model import FEATURES_FILE, MODEL_FILE
from tests.unit.analytics.backtest_history import quick_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    return quick_model(tmp_path_factory.mktemp("models-under-test"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, model: RiskModel) -> Path:
    root = tmp_path_factory.mktemp("registry")
    artifact = model.save(tmp_path_factory.mktemp("artifact") / "model")
    ModelRegistry(root).publish(artifact)
    # The same model with a feature the service cannot compute from a declaration (a feature of another data source).
    unusable = tmp_path_factory.mktemp("unusable") / "model"
    shutil.copytree(artifact, unusable)
    first = model.feature_names[0]
    text = (unusable / MODEL_FILE).read_text()
    (unusable / MODEL_FILE).write_text(text.replace(f"feature_names={first} ", "feature_names=mirror_gap_share "))
    features = json.loads((unusable / FEATURES_FILE).read_text())
    features["feature_names"][0] = "mirror_gap_share"
    (unusable / FEATURES_FILE).write_text(json.dumps(features))
    card = json.loads((unusable / "model_card.json").read_text())
    card["version"] = "dm-unusable"
    (unusable / "model_card.json").write_text(json.dumps(card))
    shutil.copytree(unusable, root / "dm-unusable")
    return root


def test_a_version_loads_with_its_own_thresholds_or_scorings_lane_rates(registry: Path, model: RiskModel) -> None:
    own = load_model_under_test(registry, model.version)
    assert own.version == model.version
    assert (own.thresholds.yellow, own.thresholds.red) == (model.thresholds.yellow, model.thresholds.red)
    wider = load_model_under_test(registry, model.version, red_rate=0.10, yellow_rate=0.20)
    assert wider.thresholds.red < own.thresholds.red
    assert wider.thresholds.yellow < own.thresholds.yellow


def test_an_unknown_version_is_refused(registry: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="dm-nope"):
        load_model_under_test(registry, "dm-nope")
    with pytest.raises(ModelNotFoundError):
        load_model_under_test(registry, "../etc")


def test_a_version_whose_features_cannot_be_computed_is_refused(registry: Path) -> None:
    with pytest.raises(ModelUnusableError, match="mirror_gap_share"):
        load_model_under_test(registry, "dm-unusable")
