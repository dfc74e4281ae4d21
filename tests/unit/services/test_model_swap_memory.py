"""A newly published model replaces the old one in memory too, although services freeze what they start with."""

import gc
import json
import shutil
import weakref
from pathlib import Path

import pandas as pd

from portcullis.scoring.models import ModelHolder
from portcullis.shared.memory import freeze_long_lived
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.riskmodel.csvdata import read_items_csv
from portcullis.shared.riskmodel.model import CARD_FILE
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit
from portcullis.shared.schemas import Declaration

DATA = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"


def _two_versions(tmp: Path) -> tuple[Path, Path]:
    """Two artifacts of a quick model under different versions (a retraining, as far as the registry knows)."""
    pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, nrows=3000).to_csv(tmp / "train.csv", index=False)
    pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1000).to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=5, params={**DEFAULT_PARAMS, "num_threads": 1})
    first = fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config).save(tmp / "first")
    second = Path(shutil.copytree(first, tmp / "second"))
    card = json.loads((second / CARD_FILE).read_text())
    card["version"] = f"{card['version']}-retrained"
    (second / CARD_FILE).write_text(json.dumps(card))
    return first, second


async def test_the_replaced_model_leaves_memory_after_a_swap(tmp_path: Path) -> None:
    first, second = _two_versions(tmp_path)
    registry = ModelRegistry(tmp_path / "models")
    registry.publish(first)
    example = Declaration.model_validate(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    holder = ModelHolder(tmp_path / "models", None, None, warm_up=example)
    assert await holder.refresh()
    assert holder.current is not None
    # The encoder's statistics are the bulk of a model, and they sit in reference cycles.
    old_encoder = weakref.ref(holder.current.model._encoder)
    freeze_long_lived()  # what every service does once started
    try:
        registry.publish(second)
        assert await holder.refresh()
        assert holder.current.version.endswith("-retrained")
        assert old_encoder() is None
    finally:
        gc.unfreeze()
