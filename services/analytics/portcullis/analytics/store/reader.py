"""Reading the store with DuckDB: one view per dataset over its Parquet files (empty when it has none).

Every file of a dataset has the dataset's schema (the sink writes nothing else), so the files are read by
position, without `union_by_name`, which would open every file's footer when a view is bound. A column added to
a dataset later needs `union_by_name` here (or the old files rewritten).
"""

import duckdb
import pyarrow as pa

from portcullis.analytics.store import subjects, timelines
from portcullis.analytics.store.datasets import DATASETS
from portcullis.analytics.store.files import StoreLayout


# Dataset names and the store's own paths only go into these statements, never request input.
def connect(layout: StoreLayout, personal: bool = False, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset (and the pre-aggregates' views: store/timelines.py,
    store/subjects.py); the personal dataset only when asked for."""
    connection = duckdb.connect(config={"threads": threads})
    connection.execute("SET TimeZone = 'UTC'")  # weeks and days of the reports are UTC
    connection.execute("SET enable_progress_bar = false")
    for dataset in DATASETS.values():
        if dataset.personal and not personal:
            continue
        if layout.has_files(dataset):
            source = f"read_parquet('{_quoted(layout.glob(dataset))}', hive_partitioning = true)"
            connection.execute(f"CREATE VIEW {dataset.name} AS SELECT * FROM {source}")  # noqa: S608
        else:
            empty = pa.Table.from_batches([], dataset.schema.append(pa.field("day", pa.string())))
            connection.register(f"{dataset.name}_empty", empty)
            connection.execute(f"CREATE VIEW {dataset.name} AS SELECT * FROM {dataset.name}_empty")  # noqa: S608
    timelines.register(connection, layout)
    subjects.register(connection, layout)
    return connection


def _quoted(text: str) -> str:
    return text.replace("'", "''")
