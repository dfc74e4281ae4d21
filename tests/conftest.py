"""Fixtures every test may use: paths of the vendored data."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DECLARATIONS_DIR = REPO / "data" / "customs-declarations-kr"


@pytest.fixture(scope="session")
def train_csv() -> Path:
    return DECLARATIONS_DIR / "df_syn_train_eng.csv"


@pytest.fixture(scope="session")
def valid_csv() -> Path:
    return DECLARATIONS_DIR / "df_syn_valid_eng.csv"
