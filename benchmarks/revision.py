"""The screening package as it was at a git revision, imported under another name beside this code's."""

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "shared/portcullis/shared/screening"


def screening_at(revision: str, folder: Path) -> ModuleType:
    """`portcullis.shared.screening` at `revision`, copied into `folder` and imported as `screening_<revision>`."""
    target = folder / f"screening_{revision.replace('/', '_')}"
    target.mkdir()
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, f"{PACKAGE}/"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    for path in listing:
        source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True)
        text = source.stdout.decode().replace("portcullis.shared.screening", target.name)
        (target / Path(path).name).write_text(text)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(target.name)


def file_at(revision: str, path: str) -> str:
    """The text of a repository file at `revision`."""
    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
