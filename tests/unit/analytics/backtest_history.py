"""A replayed month whose decisions the real scoring pipeline made (rules, a watchlist, the model, random draws),
written to a history store as the sink writes it, with outcomes for some of the selected declarations."""

import asyncio
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.scoring.lists import ListState
from portcullis.scoring.models import ActiveModel
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit
from portcullis.shared.settings import KafkaSettings
from tests.unit.analytics.history_records import PARTITIONS, FakeRecord
from tests.unit.services.stream_fixtures import CapturingPublisher, lists_with

DATA = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"
START = datetime(2026, 10, 1, tzinfo=UTC)
FURNITURE_FROM_CN = {
    "name": "furniture from China",
    "reason": "furniture from China: documents",
    "action": {"lane": "yellow"},
    "condition": {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "94"},
            {"field": "origin_country", "op": "eq", "value": "CN"},
        ]
    },
}
FROM_VIETNAM = {
    "name": "from Vietnam",
    "reason": "origin Viet Nam adds risk",
    "action": {"score": 0.3},
    "condition": {"field": "origin_country", "op": "eq", "value": "VN"},
}
RULES = {"R-FURN": FURNITURE_FROM_CN, "R-VN": FROM_VIETNAM}


@dataclass
class Holder:
    """What the pipeline reads of the model holder."""

    current: ActiveModel | None
    challenger: ActiveModel | None = None


def quick_model(tmp: Path) -> RiskModel:
    """A model trained in seconds (4,000 rows, 20 rounds)."""
    train = pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, nrows=4000)
    valid = pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1500)
    train.to_csv(tmp / "train.csv", index=False)
    valid.to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=20, params={**DEFAULT_PARAMS, "num_threads": 1})
    return fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config)


def other_model(tmp: Path) -> RiskModel:
    """Another model, trained in seconds on other rows (the next 4,000) with other settings."""
    train = pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, skiprows=range(1, 4001), nrows=4000)
    valid = pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1500)
    train.to_csv(tmp / "train.csv", index=False)
    valid.to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=40, params={**DEFAULT_PARAMS, "num_threads": 1, "num_leaves": 15})
    return fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config)


def month_of_declarations(count: int) -> list[dict[str, Any]]:
    """Real declarations of the validation quarter, submitted over October 2026."""
    items = read_items_csv(DATA / "df_syn_valid_eng.csv").items.iloc[:count]
    documents = [d.model_dump(mode="json") for d in items_to_declarations(items)][:count]
    for n, document in enumerate(documents):
        document["submitted_at"] = _iso(START + timedelta(minutes=n * 30 * 24 * 60 / len(documents)))
    return documents


def listed_importer(documents: list[dict[str, Any]]) -> str:
    """The importer the month's watchlist lists."""
    return str(documents[5]["importer_id"])


def score_month(
    model: RiskModel,
    documents: list[dict[str, Any]],
    rules: dict[str, dict[str, Any]],
    random_rate: float = 0.1,
    lane_rates: tuple[float, float] = (0.05, 0.10),
) -> list[dict[str, Any]]:
    """The decisions the real scoring pipeline makes about the documents, under these rules and the watchlist, with
    the model's thresholds for these red and yellow rates."""
    active = ActiveModel(model, model.thresholds.with_rates(*lane_rates))
    entry = {
        "kind": "trader",
        "role": "importer",
        "trader_id": listed_importer(documents),
        "list_name": "National list",
        "reason": "under investigation",
    }
    lists: ListState = lists_with(
        *(("rule", rule_id, body) for rule_id, body in rules.items()), ("entry", "wl-1", entry)
    )
    publisher = CapturingPublisher()
    settings = ScoringSettings(random_selection_rate=random_rate)
    pipeline = DeclarationPipeline(settings, Holder(active), lists, publisher)  # type: ignore[arg-type]
    records = [
        FakeRecord("declarations", 0, n, 0, str(d["declaration_id"]).encode(), orjson.dumps(d))
        for n, d in enumerate(documents)
    ]
    for start in range(0, len(records), 500):
        assert asyncio.run(pipeline.handle(records[start : start + 500])) == []  # type: ignore[arg-type]
    decisions = [orjson.loads(m.value or b"") for m in publisher.messages if m.topic.endswith("decisions")]
    # Decided as the declarations came in over the month (the pipeline stamps the time it ran).
    submitted = {str(d["declaration_id"]): d["submitted_at"] for d in documents}
    for decision in decisions:
        moment = submitted[decision["subject_id"]]
        decision["received_at"] = decision["decided_at"] = moment
    return decisions


def outcomes_for(decisions: list[dict[str, Any]], seed: int = 3) -> list[dict[str, Any]]:
    """An outcome for most selected declarations: a hit one time in four, with revenue."""
    rng = random.Random(seed)
    found = []
    for decision in decisions:
        if decision["lane"] == "green" or rng.random() < 0.2:
            continue
        hit = rng.random() < 0.25
        found.append(
            {
                "stream": "declaration",
                "subject_id": decision["subject_id"],
                "version": 1,
                "lane": decision["lane"],
                "model_version": decision["model_version"],
                "random_selection": decision["random_selection"],
                "inspected": True,
                "irregularity_found": hit,
                "revenue_recovered": "1000.00" if hit else "0.00",
                "currency": "KRW",
                "decided_at": decision["decided_at"],
                "inspected_at": decision["decided_at"],
                "recorded_at": decision["decided_at"],
            }
        )
    return found


def write_store(
    folder: Path, documents: list[dict[str, Any]], decisions: list[dict[str, Any]], outcomes: list[dict[str, Any]]
) -> StoreLayout:
    """The records in a store, as the sink writes them (each at its own time, partitioned by key)."""
    layout = StoreLayout(folder / "history", folder / "history-personal")
    messages = [
        *(("declarations", str(d["declaration_id"]), d, d["submitted_at"]) for d in documents),
        *(("decisions", d["subject_id"], d, d["decided_at"]) for d in decisions),
        *(("outcomes", o["subject_id"], o, o["recorded_at"]) for o in outcomes),
    ]
    offsets: dict[tuple[str, int], int] = {}
    records = []
    for topic, key, value, moment in messages:
        partition = zlib.crc32(key.encode()) % PARTITIONS[topic]
        offset = offsets.get((topic, partition), 0)
        offsets[(topic, partition)] = offset + 1
        timestamp = int(datetime.fromisoformat(moment).timestamp() * 1000)
        records.append(FakeRecord(topic, partition, offset, timestamp, key.encode(), orjson.dumps(value)))
    sink = HistorySink(layout, KafkaSettings())
    for start in range(0, len(records), 5000):
        assert sink.write(records[start : start + 5000]) == []  # type: ignore[arg-type]
    return layout


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
