"""The validation quarter of the Korea Customs declarations with planted under-invoicing, written to a history
store as the sink would have (each declaration received when it was submitted), and its partners' Comtrade file."""

import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.kafka.topics import TOPICS
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.mirror import MirrorSample, generate_mirror_sample
from tests.unit.analytics.history_records import FakeRecord


def write_declarations(layout: StoreLayout, declarations: list[dict[str, Any]]) -> None:
    """Store the declarations as the sink stores the declarations topic."""
    partitions = TOPICS["declarations"].partitions
    offsets: dict[int, int] = {}
    records = []
    ordered = sorted(declarations, key=lambda d: str(d["submitted_at"]))
    for declaration in ordered:
        key = str(declaration["declaration_id"])
        partition = zlib.crc32(key.encode()) % partitions
        offset = offsets.get(partition, 0)
        offsets[partition] = offset + 1
        received = int(datetime.fromisoformat(str(declaration["submitted_at"])).timestamp() * 1000)
        records.append(FakeRecord("declarations", partition, offset, received, key.encode(), orjson.dumps(declaration)))
    sink = HistorySink(layout, KafkaSettings())
    for start in range(0, len(records), 5000):
        assert sink.write(records[start : start + 5000]) == []  # type: ignore[arg-type]


def mirror_store(folder: Path, declarations: list[dict[str, Any]], **options: Any) -> tuple[StoreLayout, MirrorSample]:
    """A history store holding the planted declarations, and the sample (Comtrade file, rates, planted pairs)."""
    sample = generate_mirror_sample(declarations, **options)
    layout = StoreLayout(folder / "history", folder / "history-personal")
    write_declarations(layout, sample.declarations)
    (folder / "comtrade.csv").write_text(sample.comtrade_csv, encoding="utf-8")
    (folder / "rates.csv").write_text(sample.rates_csv, encoding="utf-8")
    return layout, sample
