"""The store's files: a replay writes nothing twice, compaction keeps every row once (also after a crash in the
middle of it), retention deletes whole days, and a message that is not JSON is dead-lettered, not stored."""

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pytest

from portcullis.analytics.store.datasets import DATASETS
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic.history import generate_history
from tests.unit.analytics.history_records import FakeRecord, month_records

DATASET = DATASETS["clearance_events"]


def _count(layout: StoreLayout) -> tuple[int, int]:
    with duckdb.connect() as connection:
        found = connection.execute(
            "SELECT count(*), count(DISTINCT (kafka_partition, kafka_offset)) "
            f"FROM read_parquet('{layout.glob(DATASET)}', hive_partitioning = true)"
        ).fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


@pytest.fixture
def written(tmp_path: Path) -> tuple[StoreLayout, list[FakeRecord]]:
    records = [r for r in month_records(generate_history(declarations=300, seed=3)) if r.topic == "clearance-events"]
    layout = StoreLayout(tmp_path / "store", tmp_path / "personal")
    sink = HistorySink(layout, KafkaSettings())
    for start in range(0, len(records), 50):  # small batches: many files
        assert sink.write(records[start : start + 50]) == []  # type: ignore[arg-type]
    return layout, records


def test_a_replay_after_a_restart_writes_no_row_twice(written: tuple[StoreLayout, list[FakeRecord]]) -> None:
    layout, records = written
    files = len(layout.files(DATASET))
    restarted = StoreLayout(layout.root, layout.personal_root)  # knows only what the file names say
    HistorySink(restarted, KafkaSettings()).write(records[len(records) // 3 :])  # type: ignore[arg-type]
    assert _count(restarted) == (len(records), len(records))
    assert len(restarted.files(DATASET)) == files


def test_compaction_keeps_every_row_once_in_far_fewer_files(written: tuple[StoreLayout, list[FakeRecord]]) -> None:
    layout, records = written
    before = len(layout.files(DATASET))
    days = sorted({path.parent.name.removeprefix("day=") for path in layout.files(DATASET)})
    for day in days:
        layout.compact(DATASET, date.fromisoformat(day))
    after = layout.files(DATASET)
    assert len(after) <= 6 * len(days) < before
    assert _count(layout) == (len(records), len(records))
    # A later replay still skips everything: the merged names carry the highest offsets.
    restarted = StoreLayout(layout.root, layout.personal_root)
    HistorySink(restarted, KafkaSettings()).write(records)  # type: ignore[arg-type]
    assert _count(restarted) == (len(records), len(records))


def test_a_crash_between_merge_and_cleanup_leaves_no_duplicate_after_the_start(
    written: tuple[StoreLayout, list[FakeRecord]], tmp_path: Path
) -> None:
    layout, records = written
    folders = [path.parent for path in layout.files(DATASET)]
    day_folder = max(set(folders), key=folders.count)  # the day with the most files
    saved = tmp_path / "parts"
    shutil.copytree(day_folder, saved)
    layout.compact(DATASET, date.fromisoformat(day_folder.name.removeprefix("day=")))
    for part in saved.iterdir():  # the parts are back, as if the crash came before their deletion
        shutil.copy(part, day_folder / part.name)
    assert _count(layout)[0] > len(records)
    assert layout.remove_covered_files() > 0
    assert _count(layout) == (len(records), len(records))


def test_retention_deletes_the_days_before_the_kept_ones(written: tuple[StoreLayout, list[FakeRecord]]) -> None:
    layout, _ = written
    days = sorted({path.parent.name.removeprefix("day=") for path in layout.files(DATASET)})
    today = date.fromisoformat(days[-1])
    deleted = layout.expire(DATASET, keep_days=7, today=today)
    kept = sorted({path.parent.name.removeprefix("day=") for path in layout.files(DATASET)})
    assert deleted
    assert max(deleted) < min(kept)
    assert len(kept) == 7
    assert layout.expire(DATASET, keep_days=0, today=today) == []  # 0 keeps everything


def test_a_message_that_is_not_json_is_dead_lettered_and_the_rest_stored(tmp_path: Path) -> None:
    layout = StoreLayout(tmp_path / "store", tmp_path / "personal")
    records = [r for r in month_records(generate_history(declarations=5, seed=4)) if r.topic == "declarations"]
    broken = replace(records[0], value=b"{not json")
    dead = HistorySink(layout, KafkaSettings()).write([broken, *records[1:]])  # type: ignore[list-item]
    assert [letter.record for letter in dead] == [broken]
    with duckdb.connect() as connection:
        stored = connection.execute(
            f"SELECT count(*) FROM read_parquet('{layout.glob(DATASETS['declarations'])}')"
        ).fetchone()
    assert stored == (len(records) - 1,)


def test_fields_of_unexpected_types_and_bytes_that_are_not_utf8_are_stored_as_the_columns_read_them(
    tmp_path: Path,
) -> None:
    layout = StoreLayout(tmp_path / "store", tmp_path / "personal")
    records = [r for r in month_records(generate_history(declarations=40, seed=5)) if r.topic == "outcomes"][:3]
    odd = orjson.loads(records[1].value or b"")
    odd |= {"officer_id": 1042, "inspected": "yes", "lane": None}  # a number as text, a flag that is not a bool
    records[1] = replace(records[1], key=b"\xff-key", value=orjson.dumps(odd))
    records[2] = replace(records[2], key=b"")
    assert HistorySink(layout, KafkaSettings()).write(records) == []  # type: ignore[arg-type]
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT key, officer_id, inspected, lane, payload "
            f"FROM read_parquet('{layout.glob(DATASETS['outcomes'])}') ORDER BY kafka_partition, kafka_offset"
        ).fetchall()
    by_payload = {payload: (key, officer, inspected, lane) for key, officer, inspected, lane, payload in rows}
    first = orjson.loads(records[0].value or b"")
    assert by_payload[(records[0].value or b"").decode()] == (
        records[0].key.decode(),  # type: ignore[union-attr]
        first["officer_id"],
        True,
        first["lane"],
    )
    assert by_payload[orjson.dumps(odd).decode()] == ("\ufffd-key", "1042", None, None)
    assert by_payload[(records[2].value or b"").decode()][0] is None  # an empty key is no key
