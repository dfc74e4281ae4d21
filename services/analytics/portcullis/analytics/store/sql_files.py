"""What the store's pre-aggregates (timelines.py, subjects.py) share: Parquet file lists in DuckDB's SQL, their
manifests, and durable writes."""

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"


def read_manifest(path: Path) -> dict[str, object]:
    """A pre-aggregate's manifest (what it was built from), or {} when there is none or it cannot be read."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def parquet_list(files: list[str]) -> str:
    """The files as a DuckDB list literal, for `read_parquet`."""
    return "[" + ", ".join(f"'{quoted(path)}'" for path in files) + "]"


def quoted(text: str) -> str:
    """Text inside a single-quoted SQL string."""
    return text.replace("'", "''")


def fsync(path: Path) -> None:
    """Flush a file or a folder (after a rename into it) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def next_generation(manifest: dict[str, object]) -> int:
    """The generation number of the next build (the last one's plus one)."""
    last = manifest.get("generation", 0)
    return (last if isinstance(last, int) else 0) + 1


def publish(table: pa.Table, target_folder: Path, kind: str, generation: int, manifest: dict[str, object]) -> Path:
    """Write a pre-aggregate's new generation durably, then its manifest (naming the file under `kind`), then remove
    the older generations: a reader sees the old pair or the new one, never half of either."""
    target = target_folder / f"{kind}-{generation:06d}.parquet"
    partial = target.with_name(target.name + ".partial")
    pq.write_table(table, partial, compression="zstd", row_group_size=64 * 1024)
    fsync(partial)
    os.replace(partial, target)
    manifest_partial = target_folder / (MANIFEST + ".partial")
    manifest_partial.write_text(json.dumps({"generation": generation, kind: target.name, **manifest}))
    fsync(manifest_partial)
    os.replace(manifest_partial, target_folder / MANIFEST)
    fsync(target_folder)
    for stale in target_folder.glob(f"{kind}-*.parquet"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target
