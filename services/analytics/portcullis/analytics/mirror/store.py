"""The mirror dataset: partner countries' trade records in one Parquet file beside the history store.

An import merges its records by key (reporter, partner, period, HS6, flow): a new key is added, a known key with
other figures replaced, the same figures left as they are. The file is rewritten only when something changed,
complete or not at all (written aside, fsynced, renamed), so importing the same file twice changes nothing.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from portcullis.analytics.mirror.comtrade import PartnerRecord

SCHEMA = pa.schema(
    [
        ("reporter", pa.string()),
        ("partner", pa.string()),
        ("period", pa.string()),
        ("hs6", pa.string()),
        ("flow", pa.string()),
        ("value_usd", pa.float64()),
        ("net_weight_kg", pa.float64()),
        ("quantity", pa.float64()),
        ("quantity_unit", pa.string()),
    ]
)


@dataclass(frozen=True)
class ImportResult:
    """What an import changed in the dataset."""

    added: int
    changed: int
    unchanged: int
    total: int


@dataclass
class MirrorStore:
    """The mirror dataset's file; one writer at a time."""

    path: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def beside(cls, store_path: Path) -> "MirrorStore":
        """The mirror dataset of a history store."""
        return cls(store_path / "mirror" / "comtrade.parquet")

    def exists(self) -> bool:
        """Whether anything was imported."""
        return self.path.is_file()

    def read_table(self) -> pa.Table:
        """The stored records as an Arrow table."""
        return pq.read_table(self.path, schema=SCHEMA)

    def records(self) -> dict[tuple[str, str, str, str, str], PartnerRecord]:
        """Every stored record by key."""
        if not self.exists():
            return {}
        rows = self.read_table().to_pylist()
        stored = [PartnerRecord(**row) for row in rows]
        return {record.key: record for record in stored}

    def merge(self, records: list[PartnerRecord]) -> ImportResult:
        """Add new records, replace changed ones; rewrite the file only when something changed."""
        with self._lock:
            stored = self.records()
            added = changed = 0
            for record in records:
                previous = stored.get(record.key)
                if previous is None:
                    added += 1
                elif previous != record:
                    changed += 1
                else:
                    continue
                stored[record.key] = record
            if added or changed:
                self._write(sorted(stored.values(), key=lambda record: record.key))
            return ImportResult(added, changed, len(records) - added - changed, len(stored))

    def _write(self, records: list[PartnerRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        columns = {name: [getattr(record, name) for record in records] for name in SCHEMA.names}
        table = pa.Table.from_pydict(columns, schema=SCHEMA)
        partial = self.path.with_name(self.path.name + ".partial")
        pq.write_table(table, partial, compression="zstd")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, self.path)
        descriptor = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
