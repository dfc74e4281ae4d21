"""Fixtures every test may use: the vendored data, and a model trained once per test session."""

from pathlib import Path

import pytest

from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.riskmodel.training import TrainingConfig, train_model

REPO = Path(__file__).resolve().parent.parent
DECLARATIONS_DIR = REPO / "data" / "customs-declarations-kr"


@pytest.fixture(scope="session")
def train_csv() -> Path:
    return DECLARATIONS_DIR / "df_syn_train_eng.csv"


@pytest.fixture(scope="session")
def valid_csv() -> Path:
    return DECLARATIONS_DIR / "df_syn_valid_eng.csv"


@pytest.fixture(scope="session")
def model_registry(tmp_path_factory: pytest.TempPathFactory, train_csv: Path, valid_csv: Path) -> Path:
    """A registry with one published model, trained on the vendored data with fewer rounds (faster)."""
    root = tmp_path_factory.mktemp("models")
    artifact = tmp_path_factory.mktemp("artifact") / "model"
    train_model(train_csv, valid_csv, artifact, TrainingConfig(rounds=120))
    ModelRegistry(root).publish(artifact)
    return root


@pytest.fixture(scope="session")
def sample_declarations(valid_csv: Path) -> list[dict[str, object]]:
    """Real declarations of the validation quarter as port systems would POST them (JSON documents)."""
    from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv

    items = read_items_csv(valid_csv).items
    return [d.model_dump(mode="json") for d in items_to_declarations(items)]
