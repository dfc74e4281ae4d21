"""The screening package as it was at a git revision, imported under another name beside this code's."""

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "shared/portcullis/shared/screening"


def screening_at(revision: str, folder: Path, compiled: bool = False) -> ModuleType:
    """`portcullis.shared.screening` at `revision`, copied into `folder` and imported as `screening_<revision>`;
    with `compiled`, its compiled core built with mypyc as this code's is (then kept in `.run/revisions` by commit,
    to be built once)."""
    if compiled:
        return _compiled_screening_at(revision)
    target = folder / f"screening_{revision.replace('/', '_')}"
    target.mkdir()
    _write_copy(revision, target)
    return _import_copy(target)


def _compiled_screening_at(revision: str) -> ModuleType:
    from portcullis.shared.compiled import build_copy, compiled_is_current

    commit = subprocess.run(
        ["git", "rev-parse", f"{revision}^{{commit}}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()[:12]
    target = ROOT / ".run" / "revisions" / commit / f"screening_{commit}"
    if not compiled_is_current(target):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        _write_copy(revision, target)
        build_copy(target)
    module = _import_copy(target)
    if not getattr(module, "COMPILED", False):
        raise SystemExit(f"the compiled copy of {revision} in {target} did not load compiled")
    return module


def _import_copy(target: Path) -> ModuleType:
    if str(target.parent) not in sys.path:
        sys.path.insert(0, str(target.parent))
    return importlib.import_module(target.name)


def _write_copy(revision: str, target: Path) -> None:
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, f"{PACKAGE}/"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    for path in listing:
        source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True)
        text = source.stdout.decode().replace("portcullis.shared.screening", target.name)
        (target / Path(path).name).write_text(text)


def file_at(revision: str, path: str) -> str:
    """The text of a repository file at `revision`."""
    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
