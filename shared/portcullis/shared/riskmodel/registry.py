"""A file-system model registry: versioned artifact directories and atomic CURRENT / CHALLENGER pointers."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from portcullis.shared.logging import get_logger
from portcullis.shared.riskmodel.model import CARD_FILE, RiskModel, _read_json, load_model

log = get_logger(__name__)

CURRENT = "CURRENT"
CHALLENGER = "CHALLENGER"


class RegistryError(ValueError):
    """A version or pointer the registry does not have."""


class ModelRegistry:
    """Published model artifacts under `root/<version>/`, with `root/CURRENT` naming the one in service."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def versions(self) -> list[str]:
        """Published versions, oldest first (versions start with their creation time)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / CARD_FILE).is_file()
        )

    def publish(self, artifact_dir: Path | str, make_current: bool = True) -> str:
        """Copy an artifact into the registry under its version; point CURRENT at it unless told not to."""
        source = Path(artifact_dir)
        version = str(load_model(source).version)  # validates the artifact before anything is written
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / version
        if not target.exists():
            staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
            try:
                shutil.copytree(source, staging, dirs_exist_ok=True)
                os.replace(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        if make_current:
            self._write_pointer(CURRENT, version)
        log.info("model_published", version=version, current=make_current)
        return version

    def current_version(self) -> str | None:
        """The version in service, or None when nothing is published."""
        return self._read_pointer(CURRENT)

    def challenger_version(self) -> str | None:
        """The shadow (challenger) version, or None."""
        return self._read_pointer(CHALLENGER)

    def promote(self, version: str) -> None:
        """Point CURRENT at a published version (rollout or rollback)."""
        self._require(version)
        self._write_pointer(CURRENT, version)

    def set_challenger(self, version: str | None) -> None:
        """Point CHALLENGER at a published version, or remove it with None."""
        if version is None:
            (self.root / CHALLENGER).unlink(missing_ok=True)
            return
        self._require(version)
        self._write_pointer(CHALLENGER, version)

    def load(self, version: str) -> RiskModel:
        """Load a published version."""
        self._require(version)
        return load_model(self.root / version)

    def load_current(self) -> RiskModel:
        """Load the version in service."""
        version = self.current_version()
        if version is None:
            raise RegistryError(f"no current model in {self.root}")
        return self.load(version)

    def card(self, version: str) -> dict[str, object]:
        """The model card of a published version."""
        self._require(version)
        card: dict[str, object] = _read_json(self.root / version / CARD_FILE)
        return card

    def _require(self, version: str) -> None:
        if "/" in version or version.startswith(".") or not (self.root / version / CARD_FILE).is_file():
            raise RegistryError(f"no model version {version!r} in {self.root}")

    def _read_pointer(self, name: str) -> str | None:
        try:
            value = (self.root / name).read_text().strip()
        except FileNotFoundError:
            return None
        return value or None

    def _write_pointer(self, name: str, version: str) -> None:
        # Write-to-temp then rename: readers see the old or the new version, never a partial file.
        descriptor, temp_name = tempfile.mkstemp(prefix=f".{name}-", dir=self.root)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(version + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, self.root / name)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
