"""Fixtures every test may use: the vendored data, a model trained once per test session, and the collector set as
batch services set it."""

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from portcullis.shared import memory
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


class Node:
    """An object that can refer to another: two of them make a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def garbage_cycle() -> "weakref.ref[Node]":
    """Garbage that only the collector frees: two objects referring to each other, nothing else to them."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def between_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The process collects between batches (as scoring does once started) at a young threshold of 2,000, which a
    few small batches reach; Python's own setting back afterwards."""
    before = gc.get_threshold()
    monkeypatch.setattr(memory, "_between_batches", None)
    gc.collect()
    try:
        memory.collect_between_batches(young=2_000)
        yield 2_000
    finally:
        gc.set_threshold(*before)
