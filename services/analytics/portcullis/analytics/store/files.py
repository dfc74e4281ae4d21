"""The store's layout on disk: `<root>/<dataset>/day=<YYYY-MM-DD>/<topic>-<partition>-<first>-<last>.parquet`.

A file holds consecutive records of one topic partition, named by their first and last offsets; it appears
complete or not at all (written aside, fsynced, renamed, the folder fsynced). The highest offset a partition's
files hold is therefore a safe point: a replay after a crash skips every record at or below it, so no row is
written twice. One sink writes a store (the service runs as a single replica with its own volume).

Compaction merges a closed day's files of each topic partition into one (named by the lowest first and highest
last offset), so readers open a few large files rather than thousands of batch-sized ones. The merged file is
complete before the parts go; after a crash in between, the start deletes parts that a merged file covers.

The same layout (Hive-style `day=` partitions, immutable Parquet files) is what Trino, Spark and Athena read
on S3-compatible storage (docs/analysis.md).
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from portcullis.analytics.store.datasets import DATASETS, Dataset
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

_FILE = re.compile(r"^(?P<source>.+)-(?P<first>\d{20})-(?P<last>\d{20})\.parquet$")
PARTIAL_SUFFIX = ".partial"


def file_name(topic: str, partition: int, first_offset: int, last_offset: int) -> str:
    """The name of a file holding offsets first..last (both included) of a topic partition."""
    return _FILE_PATTERN.format(source=f"{topic}-{partition}", first=first_offset, last=last_offset)


@dataclass
class StoreLayout:
    """Where each dataset lives: personal data under its own root."""

    root: Path
    personal_root: Path
    #: Highest offset written of each (dataset, topic, partition), read from the file names once.
    _high_water: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def folder(self, dataset: Dataset) -> Path:
        """The dataset's folder."""
        return (self.personal_root if dataset.personal else self.root) / dataset.name

    def glob(self, dataset: Dataset) -> str:
        """A glob of every file of the dataset (DuckDB's read_parquet, Spark and Trino read the same)."""
        return str(self.folder(dataset) / "day=*" / "*.parquet")

    def files(self, dataset: Dataset) -> list[Path]:
        """Every complete file of the dataset."""
        return sorted(self.folder(dataset).glob("day=*/*.parquet"))

    def has_files(self, dataset: Dataset) -> bool:
        """Whether the dataset has any complete file."""
        return next(self.folder(dataset).glob("day=*/*.parquet"), None) is not None

    def high_water(self, dataset: Dataset, topic: str, partition: int) -> int:
        """The highest offset of the partition that the dataset holds (-1: none)."""
        key = (dataset.name, topic, partition)
        if key not in self._high_water:
            source = f"{topic}-{partition}"
            highest = -1
            for path in self.files(dataset):
                match = _FILE.match(path.name)
                if match and match["source"] == source:
                    highest = max(highest, int(match["last"]))
            self._high_water[key] = highest
        return self._high_water[key]

    def write(
        self, dataset: Dataset, topic: str, partition: int, day: date, table: pa.Table, sync_folder: bool = True
    ) -> Path:
        """Write one file durably (aside, fsync, rename, fsync the folder) and advance the partition's high water.

        With `sync_folder` False the caller fsyncs the file's folder (`sync_folders`) before it relies on the file:
        one folder sync for a batch's files rather than one per file.
        """
        offsets = table.column("kafka_offset")
        first, last = int(offsets[0].as_py()), int(offsets[-1].as_py())
        folder = self.folder(dataset) / f"day={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / file_name(topic, partition, first, last)
        self._write_file(table, target, sync_folder)
        self._high_water[(dataset.name, topic, partition)] = last
        return target

    @staticmethod
    def sync_folders(folders: set[Path]) -> None:
        """fsync folders whose new files' names must survive a crash."""
        for folder in folders:
            _fsync_folder(folder)

    @staticmethod
    def _write_file(table: pa.Table, target: Path, sync_folder: bool = True) -> None:
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        pq.write_table(table, partial, compression="zstd")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        if sync_folder:
            _fsync_folder(target.parent)

    def compact(self, dataset: Dataset, day: date) -> int:
        """Merge each topic partition's files of a day into one; return how many files were merged away."""
        folder = self.folder(dataset) / f"day={day.isoformat()}"
        merged = 0
        for parts in _files_by_source(folder).values():
            if len(parts) < 2:
                continue
            table = pq.read_table([str(path) for _, _, path in parts], schema=dataset.schema)
            table = table.sort_by("kafka_offset")
            first, last = parts[0][0], max(part[1] for part in parts)
            target = folder / _FILE_PATTERN.format(source=_source(parts[0][2]), first=first, last=last)
            self._write_file(table, target)
            for _, _, path in parts:
                if path != target:
                    path.unlink(missing_ok=True)
            _fsync_folder(folder)
            merged += len(parts)
        return merged

    def remove_covered_files(self) -> int:
        """Delete files whose rows a merged file holds (a crash between a compaction's merge and its cleanup)."""
        removed = 0
        for dataset in DATASETS.values():
            for folder in self.folder(dataset).glob("day=*"):
                for parts in _files_by_source(folder).values():
                    for first, last, path in parts:
                        if any(lo <= first and last <= hi and other != path for lo, hi, other in parts):
                            path.unlink(missing_ok=True)
                            removed += 1
        return removed

    def remove_partial_files(self) -> int:
        """Delete files a crash left half written; return how many."""
        removed = 0
        for dataset in DATASETS.values():
            for path in self.folder(dataset).glob(f"day=*/*{PARTIAL_SUFFIX}"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def expire(self, dataset: Dataset, keep_days: int, today: date) -> list[str]:
        """Delete the dataset's days older than `keep_days` (0 keeps everything); return the days deleted."""
        if keep_days <= 0:
            return []
        oldest_kept = today - timedelta(days=keep_days - 1)
        deleted = []
        for folder in sorted(self.folder(dataset).glob("day=*")):
            try:
                day = date.fromisoformat(folder.name.removeprefix("day="))
            except ValueError:
                continue
            if day < oldest_kept:
                shutil.rmtree(folder)
                deleted.append(day.isoformat())
        if deleted:
            log.info("history_expired", dataset=dataset.table, days=len(deleted), oldest_kept=oldest_kept.isoformat())
        return deleted


_FILE_PATTERN = "{source}-{first:020d}-{last:020d}.parquet"


def _source(path: Path) -> str:
    match = _FILE.match(path.name)
    assert match is not None
    return match["source"]


def _files_by_source(folder: Path) -> dict[str, list[tuple[int, int, Path]]]:
    """A day folder's files per topic partition, as (first offset, last offset, path) in offset order."""
    found: dict[str, list[tuple[int, int, Path]]] = {}
    for path in folder.glob("*.parquet"):
        match = _FILE.match(path.name)
        if match:
            found.setdefault(match["source"], []).append((int(match["first"]), int(match["last"]), path))
    for parts in found.values():
        parts.sort()
    return found


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
