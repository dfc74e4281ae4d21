"""What the store's pre-aggregates (timelines.py, subjects.py) share: Parquet file lists in DuckDB's SQL, their
manifests, and durable writes."""

import json
import os
from pathlib import Path


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
