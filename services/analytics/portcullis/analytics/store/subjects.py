"""A pre-aggregate of the decisions and outcomes: each subject's latest decision joined with its latest outcome.

Picking each subject's latest of millions of decisions (and of its outcomes) is most of a performance report's work,
so the store's maintenance (after compaction) does it once for every decision and outcome file there is, and writes
one row per subject (stream, subject_id), ordered by when its latest decision was made, to
`<store>/_subjects/subjects-<n>.parquet` with a manifest naming the files it read. A report reads that file (Parquet
statistics skip the row groups outside the period) and picks the latest of only the rows of files the manifest does
not name (those written since, or merged by a later compaction), merging the two.

The merge is exact because "latest" is a maximum by an ordering key kept with each row (a version, then a time: the
key the report orders by): a row folded in twice changes nothing, and the latest of the pre-aggregate's latest and
the newer rows is the latest of all. A file it read that is gone (merged by compaction) is harmless.

The report skips decisions made before the period and outcomes received more than a day before it; the pre-aggregate
keeps only each subject's latest of all, so it equals the report's pick whenever a later version is not also an
earlier one in time (amendments and corrections are made after what they amend or correct). The maintenance counts
the subjects where that does not hold (a clock set back) and the report computes without the pre-aggregate while
the latest one has any.
"""

from pathlib import Path

import duckdb
import pyarrow as pa

from portcullis.analytics.store.datasets import DECISIONS, MONEY, OUTCOMES, TIME
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sql_files import MANIFEST, next_generation, parquet_list, publish, quoted, read_manifest
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

FOLDER = "_subjects"

#: The ordering keys: a later version first, then a later time (the performance report's order).
DECISION_KEY = "version::BIGINT * 100000000000000 + epoch_ms(decided_at)"
OUTCOME_KEY = "version::BIGINT * 100000000000000 + epoch_ms(recorded_at)"

#: What the report needs of a decision and of an outcome, as DuckDB struct literals over the datasets' columns.
DECISION_FIELDS = (
    "{'lane': lane, 'model_version': model_version, 'random_selection': random_selection, 'rule_ids': rule_ids, "
    "'watchlist_entries': watchlist_entries, 'office_id': office_id, 'decided_at': decided_at}"
)
OUTCOME_FIELDS = (
    "{'inspected': inspected, 'irregularity_found': irregularity_found, 'revenue_recovered': revenue_recovered, "
    "'officer_id': officer_id, 'seized': seizure_commodity IS NOT NULL OR seizure_value IS NOT NULL, "
    "'seizure_value': seizure_value}"
)

DECISION_TYPE = pa.struct(
    [
        ("lane", pa.string()),
        ("model_version", pa.string()),
        ("random_selection", pa.bool_()),
        ("rule_ids", pa.list_(pa.string())),
        ("watchlist_entries", pa.list_(pa.string())),
        ("office_id", pa.string()),
        ("decided_at", TIME),
    ]
)
OUTCOME_TYPE = pa.struct(
    [
        ("inspected", pa.bool_()),
        ("irregularity_found", pa.bool_()),
        ("revenue_recovered", MONEY),
        ("officer_id", pa.string()),
        ("seized", pa.bool_()),
        ("seizure_value", MONEY),
    ]
)
#: The pre-aggregate's columns: a subject's latest decision (null: none yet) with its key and time, and its latest
#: outcome with its key and the day it was received.
SCHEMA = pa.schema(
    [
        ("stream", pa.string()),
        ("subject_id", pa.string()),
        ("decided_at", TIME),
        ("decision_key", pa.int64()),
        ("decision", DECISION_TYPE),
        ("outcome_key", pa.int64()),
        ("outcome_day", pa.string()),
        ("outcome", OUTCOME_TYPE),
    ]
)

# The latest decision and the latest outcome of every subject (the day of the latest outcome: the last day it was
# received, should it have been delivered twice); whether an earlier version came later in time (then the report's
# pick within a period may differ from the latest of all).
_BUILD = f"""
WITH decided AS (
    SELECT stream, subject_id, max_by({DECISION_FIELDS}, {DECISION_KEY}) AS decision,
           max({DECISION_KEY}) AS decision_key, max(decided_at) AS last_decided_at
    FROM _decisions_source_ GROUP BY stream, subject_id
), reported AS (
    SELECT stream, subject_id, max_by({OUTCOME_FIELDS}, {OUTCOME_KEY}) AS outcome, max({OUTCOME_KEY}) AS outcome_key,
           max_by(day::VARCHAR, {OUTCOME_KEY}::HUGEINT * 100000 + (day::DATE - DATE '1970-01-01')) AS outcome_day,
           max(day::VARCHAR) AS last_day
    FROM _outcomes_source_ GROUP BY stream, subject_id
)
SELECT stream, subject_id, d.decision.decided_at AS decided_at, decision_key, decision, outcome_key, outcome_day,
       outcome,
       coalesce(d.decision.decided_at < last_decided_at, false) OR coalesce(outcome_day < last_day, false) AS disordered
FROM decided d FULL OUTER JOIN reported o USING (stream, subject_id)
ORDER BY decided_at NULLS LAST
"""  # noqa: S608 (the store's constants only, no request input)


def folder(layout: StoreLayout) -> Path:
    """Where the pre-aggregate and its manifest live."""
    return layout.root / FOLDER


def build(layout: StoreLayout, threads: int = 2) -> int:
    """Fold every decision and outcome file there is into the pre-aggregate (replacing the last one); return the
    subjects."""
    decision_files = [str(path) for path in layout.files(DECISIONS)]
    outcome_files = [str(path) for path in layout.files(OUTCOMES)]
    target_folder = folder(layout)
    target_folder.mkdir(parents=True, exist_ok=True)
    generation = next_generation(_manifest(layout))
    with duckdb.connect(config={"threads": threads}) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")
        # The store's own paths only go into these statements, never request input.
        query = _BUILD.replace(
            "_decisions_source_", _source(connection, "decisions", decision_files, DECISIONS.schema)
        ).replace("_outcomes_source_", _source(connection, "outcomes", outcome_files, OUTCOMES.schema))
        built = connection.sql(query).to_arrow_table()
    disordered = int(pa.compute.sum(built.column("disordered")).as_py() or 0)
    table = built.drop_columns(["disordered"]).cast(SCHEMA)
    manifest = {
        "disordered": disordered,
        "decisions": _names(layout, DECISIONS.name, decision_files),
        "outcomes": _names(layout, OUTCOMES.name, outcome_files),
    }
    publish(table, target_folder, "subjects", generation, manifest)
    log.info(
        "subjects_built",
        subjects=table.num_rows,
        decision_files=len(decision_files),
        outcome_files=len(outcome_files),
        disordered=disordered,
        generation=generation,
    )
    return int(table.num_rows)


def register(connection: duckdb.DuckDBPyConnection, layout: StoreLayout) -> None:
    """Views `subjects_folded` (the pre-aggregate), `decisions_unfolded` and `outcomes_unfolded` (the rows of the files
    it did not read), and `subjects_state` (whether there is a usable pre-aggregate, and rows it did not read).
    Without a usable one (none built, or one with disordered subjects) the report reads the `decisions` and `outcomes`
    views instead."""
    manifest = _manifest(layout)
    pre = folder(layout) / str(manifest.get("subjects", ""))
    usable = bool(manifest) and pre.is_file() and manifest.get("disordered") == 0
    if not usable:
        connection.execute("CREATE VIEW subjects_state AS SELECT false AS folded, true AS unfolded")
        return
    unfolded_files = 0
    connection.execute(f"CREATE VIEW subjects_folded AS SELECT * FROM read_parquet('{quoted(str(pre))}')")  # noqa: S608
    for name, dataset in (("decisions", DECISIONS), ("outcomes", OUTCOMES)):
        read = manifest.get(name, [])
        folded = set(read) if isinstance(read, list) else set()
        every = [str(path) for path in layout.files(dataset)]
        unfolded = [path for path, file in zip(every, _names(layout, name, every), strict=True) if file not in folded]
        unfolded_files += len(unfolded)
        if unfolded:
            source = f"read_parquet({parquet_list(unfolded)}, hive_partitioning = true)"
            connection.execute(f"CREATE VIEW {name}_unfolded AS SELECT * FROM {source}")  # noqa: S608
        else:
            empty = pa.Table.from_batches([], dataset.schema.append(pa.field("day", pa.string())))
            connection.register(f"{name}_unfolded_empty", empty)
            connection.execute(f"CREATE VIEW {name}_unfolded AS SELECT * FROM {name}_unfolded_empty")  # noqa: S608
    connection.execute(f"CREATE VIEW subjects_state AS SELECT true AS folded, {unfolded_files > 0} AS unfolded")


def _source(connection: duckdb.DuckDBPyConnection, name: str, files: list[str], schema: pa.Schema) -> str:
    """A relation over the files (with their `day`), or over an empty table of the schema when there are none."""
    if files:
        return f"read_parquet({parquet_list(files)}, hive_partitioning = true)"
    connection.register(f"{name}_none", pa.Table.from_batches([], schema.append(pa.field("day", pa.string()))))
    return f"{name}_none"


def _names(layout: StoreLayout, dataset: str, files: list[str]) -> list[str]:
    """Files by their path below the dataset's folder (`day=.../<topic>-<partition>-<first>-<last>.parquet`)."""
    base = layout.root / dataset
    return [Path(path).relative_to(base).as_posix() for path in files]


def _manifest(layout: StoreLayout) -> dict[str, object]:
    return read_manifest(folder(layout) / MANIFEST)
