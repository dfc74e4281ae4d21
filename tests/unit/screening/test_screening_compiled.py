"""The compiled screening core (`portcullis.shared.compiled`): in use where it was built from the current source, never
where a source changed since, and the same answers as the Python source."""

import csv
import hashlib
import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portcullis.shared import compiled, screening
from portcullis.shared.screening import ScreeningQuery, WatchlistIndex, compare_names

REPOSITORY = Path(__file__).resolve().parents[3]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_the_tests_run_the_compiled_core() -> None:
    """What the services run is what the tests test: `make install` (and so `make test`) builds the core first."""
    assert screening.COMPILED, "the screening core is not compiled from its current source: run `make install`"
    assert Path(importlib.import_module("portcullis.shared.screening.scoring").__file__ or "").suffix == ".so"


def _fake_package(root: Path, name: str, stamped: bool) -> Path:
    """A package with one module `mod` in source and an 'extension' that is no library at all (loading it fails)."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("ANSWER = 'from source'\n")
    (package / f"mod{SUFFIX}").write_bytes(b"not a shared library")
    if stamped:
        (package / compiled.STAMP).write_text(json.dumps({"sources": compiled.source_digests(package, ["mod"])}))
    return package


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    finders = list(sys.meta_path)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.meta_path[:] = finders
        for name in [name for name in sys.modules if name.startswith("fake_")]:
            del sys.modules[name]


def test_an_extension_older_than_its_source_is_never_loaded(on_path: Path) -> None:
    package = _fake_package(on_path, "fake_edited", stamped=True)
    (package / "mod.py").write_text("ANSWER = 'edited since the build'\n")
    importlib.import_module("fake_edited")

    assert compiled.use_compiled("fake_edited", package, ["mod"]) is False
    assert importlib.import_module("fake_edited.mod").ANSWER == "edited since the build"


def test_an_unstamped_build_is_not_loaded(on_path: Path) -> None:
    package = _fake_package(on_path, "fake_unstamped", stamped=False)
    importlib.import_module("fake_unstamped")

    assert compiled.use_compiled("fake_unstamped", package, ["mod"]) is False
    assert importlib.import_module("fake_unstamped.mod").ANSWER == "from source"


def test_a_build_missing_its_shared_library_is_not_loaded(on_path: Path) -> None:
    package = _fake_package(on_path, "fake_partial", stamped=True)
    stamp = json.loads((package / compiled.STAMP).read_text())
    (package / compiled.STAMP).write_text(json.dumps({**stamp, "extensions": [f"mod{SUFFIX}", f"group{SUFFIX}"]}))
    importlib.import_module("fake_partial")

    assert compiled.use_compiled("fake_partial", package, ["mod"]) is False
    assert importlib.import_module("fake_partial.mod").ANSWER == "from source"


def test_an_extension_whose_source_is_gone_is_never_current(on_path: Path) -> None:
    package = _fake_package(on_path, "fake_sourceless", stamped=True)
    assert compiled.compiled_is_current(package, ["mod"])  # the stamped build, as built
    (package / "mod.py").unlink()

    assert compiled.compiled_is_current(package, ["mod"]) is False


def test_a_module_absent_altogether_is_not_asked_for(on_path: Path) -> None:
    """An earlier revision's copy (benchmarks.revision) lacks a module added since: the rest of it is still current."""
    package = _fake_package(on_path, "fake_older", stamped=True)

    assert compiled.compiled_is_current(package, ["mod", "added_later"])


def _with_kernel(package: Path, stamped_source: str) -> Path:
    """The fake package with a Cython kernel `kern` (an 'extension' that is no library) stamped as built from
    `stamped_source`, whose source is now `# kernel, as built`."""
    (package / "kern.pyx").write_text("# kernel, as built\n")
    (package / f"kern{SUFFIX}").write_bytes(b"not a shared library")
    stamp = json.loads((package / compiled.STAMP).read_text())
    digest = hashlib.sha256(stamped_source.encode()).hexdigest()
    (package / compiled.STAMP).write_text(json.dumps({**stamp, "kernels": {"kern": digest}}))
    return package


def test_a_kernel_stamped_with_its_source_is_current(on_path: Path) -> None:
    package = _with_kernel(_fake_package(on_path, "fake_kernel", stamped=True), "# kernel, as built\n")

    assert compiled.compiled_is_current(package, ["mod"], ["kern"])
    (package / f"kern{SUFFIX}").unlink()
    assert compiled.compiled_is_current(package, ["mod"], ["kern"]) is False


def test_a_kernel_built_from_another_source_is_never_imported(on_path: Path) -> None:
    """Its caller then does the same work in Python (the matcher's candidate vote in numpy)."""
    package = _with_kernel(_fake_package(on_path, "fake_old_kernel", stamped=True), "# an older kernel\n")
    importlib.import_module("fake_old_kernel")

    assert compiled.use_compiled("fake_old_kernel", package, ["mod"], ["kern"]) is False
    with pytest.raises(ImportError, match="not built from its current source"):
        importlib.import_module("fake_old_kernel.kern")
    assert importlib.import_module("fake_old_kernel.mod").ANSWER == "from source"


def test_pure_python_when_asked(on_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _fake_package(on_path, "fake_asked", stamped=True)
    importlib.import_module("fake_asked")
    assert compiled.compiled_is_current(package, ["mod"])  # the stamp matches: only the variable says no
    monkeypatch.setenv(compiled.PURE_PYTHON_VARIABLE, "1")

    assert compiled.use_compiled("fake_asked", package, ["mod"]) is False
    assert importlib.import_module("fake_asked.mod").ANSWER == "from source"


def test_a_second_build_waits_for_the_first_and_finds_it_current() -> None:
    """Two `make install` at once in one tree: the second waits for the lock the first holds, then builds nothing."""
    directory = Path(screening.__file__).parent
    command = [sys.executable, "-m", "portcullis.shared.compiled", "--if-stale"]
    with compiled._build_lock(directory):
        second = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            second.wait(timeout=3)  # it would answer in well under a second were it not waiting
    output, _ = second.communicate(timeout=60)

    assert second.returncode == 0
    assert "is current" in output
    assert screening.COMPILED


def _answers() -> dict[str, object]:
    """Scores of the labelled pairs and screenings of their names against the whole SDN list."""
    with (REPOSITORY / "tests" / "data" / "name_pairs.csv").open(newline="") as handle:
        pairs = list(csv.DictReader(handle))[::8]
    index = WatchlistIndex(result_cache_size=0)
    index.extend(screening.load_ofac_sdn(REPOSITORY / "data" / "ofac-sdn"))
    screened = {}
    for pair in pairs[:250]:
        matches = index.screen(ScreeningQuery(name=pair["name1"]), threshold=0.6)
        screened[pair["name1"]] = [[m.entry.entry_id, m.matched_name, m.score, m.evidence] for m in matches]
    return {
        "pairs": [compare_names(pair["name1"], pair["name2"]) for pair in pairs],
        "screened": screened,
        "compiled": screening.COMPILED,
    }


def test_the_compiled_core_answers_as_the_python_source() -> None:
    """Every score and every screening the same, compiled in this process and interpreted in another."""
    interpreted = subprocess.run(
        [sys.executable, "-c", f"import json, {Path(__file__).stem} as t; print(json.dumps(t._answers()))"],
        env={**os.environ, compiled.PURE_PYTHON_VARIABLE: "1", "PYTHONPATH": str(Path(__file__).parent)},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    source = json.loads(interpreted.stdout.splitlines()[-1])
    native = json.loads(json.dumps(_answers()))

    assert source.pop("compiled") is False
    assert native.pop("compiled") is True
    assert len(native["pairs"]) > 500
    assert sum(bool(found) for found in native["screened"].values()) > 100  # most of these names are listed
    assert native == source
