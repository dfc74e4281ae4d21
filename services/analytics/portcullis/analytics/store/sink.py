"""The sink: every message of the input streams, decisions, outcomes and clearance events, as received, to Parquet.

It runs as a handler of the shared batch consumer (group `analytics-sink`): a batch's files are durable before the
handler returns, and only then does the consumer commit the batch's offsets.
"""

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
from prometheus_client import Counter

from portcullis.analytics.store.datasets import TOPIC_DATASETS, Dataset
from portcullis.analytics.store.files import StoreLayout
from portcullis.shared.kafka import DeadLetter, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

ROWS_WRITTEN = Counter("portcullis_history_rows_written_total", "Rows written to the history store", ["dataset"])
FILES_WRITTEN = Counter(
    "portcullis_history_files_written_total", "Parquet files written to the history store", ["dataset"]
)
ROWS_SKIPPED = Counter(
    "portcullis_history_rows_replayed_total",
    "Records a replay brought again that the store already held (skipped, not written twice)",
    ["dataset"],
)

_Row = tuple[Record, dict[str, Any]]


class HistorySink:
    """Writes batches of records to the store; refuses (dead-letters) records that are not JSON objects."""

    def __init__(self, layout: StoreLayout, kafka: KafkaSettings) -> None:
        self._layout = layout
        self._datasets = {kafka.topic(topic): datasets for topic, datasets in TOPIC_DATASETS.items()}

    @property
    def topics(self) -> list[str]:
        """The full names of the topics the sink consumes."""
        return list(self._datasets)

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Write the batch's records durably (in a worker thread: file writes block)."""
        return await asyncio.to_thread(self.write, records)

    def write(self, records: list[Record]) -> list[DeadLetter]:
        """Write the batch: per topic partition, one file per dataset and day, in offset order."""
        dead: list[DeadLetter] = []
        partitions: dict[tuple[str, int], list[_Row]] = defaultdict(list)
        for record in records:
            try:
                message = orjson.loads(record.value or b"")
            except orjson.JSONDecodeError:
                dead.append(DeadLetter(record, "the message is not JSON"))
                continue
            if not isinstance(message, dict):
                dead.append(DeadLetter(record, "the message is not a JSON object"))
                continue
            partitions[(record.topic, record.partition)].append((record, message))
        folders: set[Path] = set()
        for (topic, partition), rows in partitions.items():
            rows.sort(key=lambda row: row[0].offset)
            for dataset in self._datasets[topic]:
                folders |= self._write_partition(dataset, topic, partition, rows)
        # The files are fsynced each; their names are durable once their folders are (before the offsets commit).
        self._layout.sync_folders(folders)
        return dead

    def _write_partition(self, dataset: Dataset, topic: str, partition: int, rows: list[_Row]) -> set[Path]:
        high_water = self._layout.high_water(dataset, topic, partition)
        fresh = [row for row in rows if row[0].offset > high_water]
        if len(fresh) < len(rows):
            ROWS_SKIPPED.labels(dataset.name).inc(len(rows) - len(fresh))
        # Runs of consecutive records of one day, in offset order: the files' highest offset stays a safe point.
        folders = set()
        for day, run in groupby(fresh, key=lambda row: _day(row[0].timestamp)):
            chunk = list(run)
            path = self._layout.write(dataset, topic, partition, day, to_table(dataset, chunk), sync_folder=False)
            folders.add(path.parent)
            ROWS_WRITTEN.labels(dataset.name).inc(len(chunk))
            FILES_WRITTEN.labels(dataset.name).inc()
        return folders


def to_table(dataset: Dataset, rows: list[_Row]) -> pa.Table:
    """The Arrow table of a dataset's rows."""
    records = [record for record, _ in rows]
    messages = [message for _, message in rows]
    columns: list[pa.Array] = [
        pa.array([record.partition for record in records], pa.int32()),
        pa.array([record.offset for record in records], pa.int64()),
        pa.array([record.timestamp for record in records], pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        pa.array([record.key.decode(errors="replace") if record.key else None for record in records], pa.string()),
    ]
    columns.extend(pa.array([column.extract(m) for m in messages], column.type) for column in dataset.columns)
    if dataset.payload is None:
        payloads = [(record.value or b"").decode(errors="replace") for record in records]
    else:
        payloads = [orjson.dumps(dataset.payload(message)).decode() for message in messages]
    columns.append(pa.array(payloads, pa.string()))
    schema = dataset.schema
    return pa.Table.from_arrays(
        [array.cast(field.type) for array, field in zip(columns, schema, strict=True)], schema=schema
    )


def _day(timestamp_ms: int) -> date:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).date()
