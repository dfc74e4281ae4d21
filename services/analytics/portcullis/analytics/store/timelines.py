"""A pre-aggregate of the clearance events: each declaration's timeline (the moments the Time Release Study needs).

Pivoting millions of events into one row per declaration is most of a time-release report's work, so the store's
maintenance (after compaction) does it once for every event file there is, and writes the timelines, ordered by
when the goods arrived, to `<store>/_timelines/timelines-<n>.parquet` with a manifest naming the event files it
read. A report reads that file (Parquet statistics skip the row groups outside the period) and pivots only the
events of files the manifest does not name (those written since, or merged by a later compaction), merging the two.

The merge is exact because a timeline is made of minimums and maximums (the first arrival, the last release, the
distinct agencies that held the goods): folding an event in twice changes nothing. The pre-aggregate never has to
know what it already holds, only which files it read; a file it read that is gone (merged by compaction) is
harmless, and retention rebuilds it (the maintenance pass that deletes expired days builds the timelines next).
"""

from pathlib import Path

import duckdb
import pyarrow as pa

from portcullis.analytics.store.datasets import CLEARANCE_EVENTS, TIME
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sql_files import MANIFEST, next_generation, parquet_list, publish, quoted, read_manifest
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

FOLDER = "_timelines"

#: The moments of a timeline: event type, and whether its first (min) or last (max) occurrence counts.
MOMENTS: dict[str, str] = {
    "arrival": "min",
    "lodged": "min",
    "documents_requested": "min",
    "documents_received": "max",
    "inspection_started": "min",
    "inspection_finished": "max",
    "duty_paid": "min",
    "other_agency_hold": "min",
    "other_agency_release": "max",
    "released": "max",
}

#: The columns of a (partial) timeline; `first_at` is the first event of any type, `office_id` the office of it.
SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        *((name, TIME) for name in MOMENTS),
        ("first_at", TIME),
        ("office_id", pa.string()),
        ("transport_mode", pa.string()),
        ("agencies", pa.list_(pa.string())),
    ]
)
#: The pre-aggregate's columns: a timeline and when it started (arrival, else the first event), which it is ordered by.
FOLDED_SCHEMA = SCHEMA.append(pa.field("started", TIME))
#: The columns partial timelines share.
PARTS = ", ".join(SCHEMA.names)

# The timelines of a set of events, one row per declaration (an event sent twice changes nothing).
_PIVOT = """
SELECT declaration_id,
    {moments},
    min("at") AS first_at,
    arg_min(office_id, "at") AS office_id,
    max(transport_mode) AS transport_mode,
    coalesce(list_sort(list_distinct(
        list(agency) FILTER (WHERE event_type = 'other_agency_hold' AND agency <> 'customs')
    )), []) AS agencies
FROM {source} GROUP BY declaration_id
"""

# Partial timelines of the same declarations merged into one: the same minimums and maximums over the parts.
_MERGE = """
SELECT declaration_id,
    {moments},
    min(first_at) AS first_at,
    arg_min(office_id, first_at) AS office_id,
    max(transport_mode) AS transport_mode,
    coalesce(list_sort(list_distinct(flatten(list(agencies)))), []) AS agencies
FROM {source} GROUP BY declaration_id
"""


def pivot_sql(source: str) -> str:
    """The timelines of the events in `source` (a table, view or subquery)."""
    moments = ", ".join(
        f"""{how}("at") FILTER (WHERE event_type = '{name}') AS {name}""" for name, how in MOMENTS.items()
    )
    return _PIVOT.format(moments=moments, source=source)


def merge_sql(source: str) -> str:
    """One timeline per declaration from partial timelines in `source`."""
    moments = ", ".join(f"{how}({name}) AS {name}" for name, how in MOMENTS.items())
    return _MERGE.format(moments=moments, source=source)


def folder(layout: StoreLayout) -> Path:
    """Where the pre-aggregate and its manifest live."""
    return layout.root / FOLDER


def build(layout: StoreLayout, threads: int = 2) -> int:
    """Pivot every event file there is into the pre-aggregate (replacing the last one); return the timelines."""
    files = [str(path) for path in layout.files(CLEARANCE_EVENTS)]
    target_folder = folder(layout)
    target_folder.mkdir(parents=True, exist_ok=True)
    generation = next_generation(_manifest(layout))
    with duckdb.connect(config={"threads": threads}) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")
        if files:
            source = f"read_parquet({parquet_list(files)})"
            # The store's own paths only go into these statements, never request input.
            pivot = pivot_sql(source)
            ordered = f"SELECT *, coalesce(arrival, first_at) AS started FROM ({pivot}) ORDER BY started"  # noqa: S608
            table = connection.sql(ordered).to_arrow_table()
        else:
            table = FOLDED_SCHEMA.empty_table()
    table = table.cast(FOLDED_SCHEMA)
    publish(table, target_folder, "timelines", generation, {"files": _names(layout, files)})
    log.info("timelines_built", timelines=table.num_rows, event_files=len(files), generation=generation)
    return int(table.num_rows)


def register(connection: duckdb.DuckDBPyConnection, layout: StoreLayout) -> None:
    """Views `timelines_folded` (the pre-aggregate, empty without one), `events_unfolded` (the events of the files
    it did not read: every file, without a pre-aggregate) and `timelines_state` (whether each has anything)."""
    manifest = _manifest(layout)
    pre = folder(layout) / str(manifest.get("timelines", ""))
    if manifest and pre.is_file():
        read = manifest.get("files", [])
        folded = set(read) if isinstance(read, list) else set()
        source = f"read_parquet('{quoted(str(pre))}')"
        connection.execute(f"CREATE VIEW timelines_folded AS SELECT * FROM {source}")  # noqa: S608
        every = [str(path) for path in layout.files(CLEARANCE_EVENTS)]
        unfolded = [path for path, name in zip(every, _names(layout, every), strict=True) if name not in folded]
    else:
        connection.register("timelines_folded_empty", FOLDED_SCHEMA.empty_table())
        connection.execute("CREATE VIEW timelines_folded AS SELECT * FROM timelines_folded_empty")
        unfolded = [str(path) for path in layout.files(CLEARANCE_EVENTS)]
    has_folded = bool(manifest) and pre.is_file()
    connection.execute(f"CREATE VIEW timelines_state AS SELECT {has_folded} AS folded, {bool(unfolded)} AS unfolded")
    if unfolded:
        connection.execute(f"CREATE VIEW events_unfolded AS SELECT * FROM read_parquet({parquet_list(unfolded)})")  # noqa: S608
    else:
        connection.register("events_unfolded_empty", CLEARANCE_EVENTS.schema.empty_table())
        connection.execute("CREATE VIEW events_unfolded AS SELECT * FROM events_unfolded_empty")


def _names(layout: StoreLayout, files: list[str]) -> list[str]:
    """Files by their path below the dataset's folder (`day=.../<topic>-<partition>-<first>-<last>.parquet`)."""
    base = layout.folder(CLEARANCE_EVENTS)
    return [Path(path).relative_to(base).as_posix() for path in files]


def _manifest(layout: StoreLayout) -> dict[str, object]:
    return read_manifest(folder(layout) / MANIFEST)
