"""The model registry: publish, CURRENT pointer, rollback, challenger."""

import shutil
from pathlib import Path

import pytest

from portcullis.shared.riskmodel import ArtifactError, ModelRegistry, RegistryError, RiskModel, load_model
from portcullis.shared.riskmodel.model import CARD_FILE, MODEL_FILE, _read_json, _write_json


def _copy_with_version(artifact: Path, target: Path, version: str) -> Path:
    shutil.copytree(artifact, target)
    card = _read_json(target / CARD_FILE)
    _write_json(target / CARD_FILE, {**card, "version": version})
    return target


def test_publish_then_load_current_gives_the_same_scores(
    tmp_path: Path, small_artifact: Path, small_model: RiskModel
) -> None:
    registry = ModelRegistry(tmp_path / "models")
    assert registry.current_version() is None
    version = registry.publish(small_artifact)
    assert version == small_model.version
    assert (tmp_path / "models" / "CURRENT").read_text().strip() == version
    loaded = registry.load_current()
    assert loaded.version == version
    assert loaded.thresholds == small_model.thresholds
    assert list(loaded.reference_quantiles) == list(small_model.reference_quantiles)
    assert len(loaded.reference_quantiles) == 1001


def test_newer_publish_moves_current_and_promote_rolls_back(tmp_path: Path, small_artifact: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    first = registry.publish(small_artifact)
    second = registry.publish(_copy_with_version(small_artifact, tmp_path / "b", "dm-29990101-000000-abcdef12"))
    assert registry.current_version() == second
    assert registry.versions() == sorted([first, second])
    registry.promote(first)
    assert registry.load_current().version == first
    registry.set_challenger(second)
    assert registry.challenger_version() == second
    registry.set_challenger(None)
    assert registry.challenger_version() is None
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


def test_broken_artifact_is_not_published(tmp_path: Path, small_artifact: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(small_artifact, broken)
    (broken / MODEL_FILE).unlink()
    registry = ModelRegistry(tmp_path / "models")
    with pytest.raises(ArtifactError, match=MODEL_FILE):
        registry.publish(broken)
    assert registry.current_version() is None


def test_unknown_version_is_refused(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    with pytest.raises(RegistryError):
        registry.load("dm-nope")
    with pytest.raises(RegistryError):
        registry.load_current()
    with pytest.raises(RegistryError):
        registry.promote("../elsewhere")


def test_artifact_round_trip_keeps_statistics(small_artifact: Path, small_model: RiskModel) -> None:
    loaded = load_model(small_artifact)
    assert loaded.stats.prior == small_model.stats.prior
    assert loaded.spec == small_model.spec
    assert loaded.card["data_fingerprints"] == small_model.card["data_fingerprints"]
