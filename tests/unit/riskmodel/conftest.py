"""Small models trained on subsamples of the vendored data set, shared by the risk model tests."""

from pathlib import Path

import pandas as pd
import pytest

from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import LabelledItems, read_items_csv
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit

DATA_DIR = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"
TRAIN_CSV = DATA_DIR / "df_syn_train_eng.csv"
VALID_CSV = DATA_DIR / "df_syn_valid_eng.csv"


@pytest.fixture(scope="session")
def small_train_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 6,000 rows of the training year."""
    path = tmp_path_factory.mktemp("data") / "train.csv"
    pd.read_csv(TRAIN_CSV, dtype=str, nrows=6000).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def small_valid_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 2,000 rows of the validation quarter."""
    path = tmp_path_factory.mktemp("data") / "valid.csv"
    pd.read_csv(VALID_CSV, dtype=str, nrows=2000).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def valid_items(small_valid_csv: Path) -> LabelledItems:
    """The small validation sample, read through the CSV path."""
    return read_items_csv(small_valid_csv)


@pytest.fixture(scope="session")
def small_model(small_train_csv: Path, valid_items: LabelledItems) -> RiskModel:
    """A quick model: 6,000 training rows, 60 trees."""
    return fit(
        read_items_csv(small_train_csv),
        valid_items,
        TrainingConfig(rounds=60, params={**DEFAULT_PARAMS, "num_threads": 1}),
    )


@pytest.fixture(scope="session")
def small_artifact(tmp_path_factory: pytest.TempPathFactory, small_model: RiskModel) -> Path:
    """The quick model saved as an artifact directory."""
    return small_model.save(tmp_path_factory.mktemp("artifact") / "model")
