"""The entry versions re-screening has done, in a file beside the store: a restart (or a replay of the topic after
lost offsets) re-screens nothing it did, and a re-publish that changes nothing screenable re-screens nothing."""

import hashlib
import os
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict

from portcullis.shared.screening import WatchlistEntry


class Processed(BaseModel):
    """An entry's last version re-screened, and the fingerprint of what was screened."""

    model_config = ConfigDict(frozen=True)

    version: int
    fingerprint: str


def fingerprint(entry: WatchlistEntry) -> str:
    """What screening reads of an entry (names, dates, documents, numbers, list, reason), as a hash."""
    return hashlib.sha256(orjson.dumps(entry.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


class ProcessedVersions:
    """entry id -> the version and fingerprint last re-screened; written atomically after each batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._done: dict[str, Processed] = {}
        if path.exists():
            raw = orjson.loads(path.read_bytes())
            self._done = {entry_id: Processed.model_validate(value) for entry_id, value in raw.items()}

    def __len__(self) -> int:
        return len(self._done)

    def is_new(self, entry_id: str, version: int, entry_fingerprint: str) -> bool:
        """Whether this version is later than the one re-screened and screens something else."""
        done = self._done.get(entry_id)
        return done is None or (version > done.version and entry_fingerprint != done.fingerprint)

    def record(self, entry_id: str, version: int, entry_fingerprint: str) -> None:
        """Remember a version as re-screened (or as seen: a later version that changes nothing screenable)."""
        done = self._done.get(entry_id)
        if done is None or version >= done.version:
            self._done[entry_id] = Processed(version=version, fingerprint=entry_fingerprint)

    def save(self) -> None:
        """Write the file aside, fsync it, and rename it over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        data = {entry_id: done.model_dump() for entry_id, done in self._done.items()}
        with partial.open("wb") as handle:
            handle.write(orjson.dumps(data))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.path)
