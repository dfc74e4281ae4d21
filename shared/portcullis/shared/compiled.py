"""The compiled screening core: the matcher's modules built to C extensions with mypyc, used only while current.

The same typed Python source is compiled by mypyc (part of mypy) into C extensions beside the `.py` files; Python
imports an extension before the source of the same name. `python -m portcullis.shared.compiled` builds them where the
package is installed (the source tree in development, site-packages in the images) and writes a stamp with the
SHA-256 of every source it compiled. At import, `use_compiled` loads the extensions only if every compiled module's
source is still the one stamped; otherwise (a source edited since, a build interrupted, or
`PORTCULLIS_PURE_PYTHON=1`) all of them come from source, so an outdated extension never runs. The answers are the
same either way (the unit tests run on the compiled core; `tests/unit/screening/test_screening_compiled.py`
compares the two); the compiled core takes 75-83% of the interpreted CPU time (docs/screening.md, "The compiled core").
"""

import contextlib
import fcntl
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from portcullis.shared.logging import get_logger
from portcullis.shared.metrics import SCREENING_COMPILED

#: The package whose modules are compiled, and those modules: the screening engine's hot path. The entries (pydantic
#: models), the list parsers and the offline tools stay interpreted; so do the identifiers, which contracts import
#: without the screening extra.
PACKAGE = "portcullis.shared.screening"
MODULES = (
    "equivalents",
    "generic",
    "loose",
    "matcher",
    "normalize",
    "numerals",
    "romanisers",
    "rows",
    "scoring",
    "transliteration",
)
#: Kernels written in Cython (`NAME.pyx`, no Python source): built and stamped with the modules; where not current,
#: importing one fails (`ImportError`) and its caller does the same work in Python (the matcher: `_votes`, the
#: candidate vote, else numpy).
KERNELS = ("_votes",)
#: The stamp beside the modules: what was compiled, from which sources.
STAMP = "compiled.json"
#: Held while a build runs: a second build (two `make install` at once) waits, then finds the first one's current.
LOCK = "compiled.lock"
#: The shared library of the compiled group, inside the package.
GROUP = "compiled_core"
PURE_PYTHON_VARIABLE = "PORTCULLIS_PURE_PYTHON"


def _present(directory: Path, modules: Sequence[str]) -> tuple[str, ...]:
    """The modules that are in `directory` at all, as source or as an extension (an earlier revision's copy may lack a
    later module); an extension without its source still counts, and is then never current."""
    suffixes = (".py", *importlib.machinery.EXTENSION_SUFFIXES)
    return tuple(name for name in modules if any((directory / f"{name}{suffix}").exists() for suffix in suffixes))


def source_digests(directory: Path, modules: Sequence[str] = MODULES) -> dict[str, str]:
    """SHA-256 of each module's source in `directory`."""
    return {name: hashlib.sha256((directory / f"{name}.py").read_bytes()).hexdigest() for name in modules}


def kernel_digests(directory: Path, kernels: Sequence[str] = KERNELS) -> dict[str, str]:
    """SHA-256 of the Cython source of each kernel that `directory` has (an earlier revision's copy may have none)."""
    return {
        name: hashlib.sha256((directory / f"{name}.pyx").read_bytes()).hexdigest()
        for name in kernels
        if (directory / f"{name}.pyx").exists()
    }


def compiled_is_current(directory: Path, modules: Sequence[str] = MODULES, kernels: Sequence[str] = KERNELS) -> bool:
    """Whether every module in `directory` has an extension there, stamped with the digest of its current source,
    and so has every kernel whose Cython source is there."""
    modules = _present(directory, modules)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    if not modules or not all((directory / f"{name}{suffix}").exists() for name in modules):
        return False
    try:
        stamp = json.loads((directory / STAMP).read_text())
        digests = source_digests(directory, modules)
        kernel_sources = kernel_digests(directory, kernels)
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or stamp.get("sources") != digests:
        return False
    if kernel_sources and (
        stamp.get("kernels") != kernel_sources
        or not all((directory / f"{name}{suffix}").exists() for name in kernel_sources)
    ):
        return False
    # The group's shared library too: without it no compiled module imports.
    return all((directory / name).exists() for name in stamp.get("extensions", []))


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Imports the listed modules from their `.py` source, past any extension of the same name; refuses the kernels
    (they have no Python source: their callers fall back on Python code)."""

    def __init__(self, package: str, directory: Path, modules: Sequence[str], kernels: Sequence[str] = ()) -> None:
        self._sources = {f"{package}.{name}": directory / f"{name}.py" for name in modules}
        self._refused = {f"{package}.{name}" for name in kernels}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in self._refused:
            raise ModuleNotFoundError(f"{fullname} is not built from its current source", name=fullname)
        source = self._sources.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def use_compiled(
    package: str, directory: Path, modules: Sequence[str] = MODULES, kernels: Sequence[str] = KERNELS
) -> bool:
    """Whether the package's compiled modules and kernels (in `directory`) will be imported; if not, make the modules
    import from source (all of them: they call each other natively) and the kernels not at all. Call from the
    package's `__init__`, before any is imported."""
    if os.environ.get(PURE_PYTHON_VARIABLE) != "1" and compiled_is_current(directory, modules, kernels):
        return True
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    if any((directory / f"{name}{suffix}").exists() for name in (*modules, *kernels) for suffix in suffixes):
        sys.meta_path.insert(0, _SourceFinder(package, directory, modules, kernels))
    return False


def report_compiled() -> None:
    """Whether screening runs compiled, on the `portcullis_screening_compiled` gauge and in the log (a warning when
    not: the service then screens at 75-83% of the compiled speed). Call once a service has started."""
    from portcullis.shared import screening  # the screening package imports this module

    SCREENING_COMPILED.set(int(screening.COMPILED))
    log = get_logger(__name__)
    if screening.COMPILED:
        log.info("screening_compiled", modules=len(MODULES))
    else:
        log.warning("screening_not_compiled", build="python -m portcullis.shared.compiled")


def build(directory: Path | None = None) -> Path:
    """Compile the modules with mypyc and the kernels with Cython into `directory` (where the package is installed)
    and stamp them; the stamp path. Needs mypy, Cython, setuptools, numpy, a C compiler and Python's headers (build
    time only)."""
    directory = _package_directory() if directory is None else directory
    return _build(directory, PACKAGE, directory)


def build_copy(directory: Path) -> Path:
    """Compile a copy of the screening package imported under another top-level name (`directory`'s, as
    `benchmarks.revision` makes of an earlier revision), against this shared library; the stamp path."""
    return _build(directory, directory.name, _package_directory(), copy=True)


def _build(directory: Path, package: str, installed: Path, copy: bool = False) -> Path:
    # The shared library's source (`portcullis/shared`, where the package is `installed`), copied to a folder of its
    # own: mypy takes the working directory as a package base, and in an image the installed root is site-packages,
    # full of other modules. A copy of the package under another name goes beside it.
    library = installed.parents[len(PACKAGE.split(".")) - 3]
    with tempfile.TemporaryDirectory(prefix="portcullis-compiled-") as work:
        base = Path(work, "source")
        shutil.copytree(library, base / "portcullis" / "shared", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        if copy:
            shutil.copytree(directory, base / package, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        return _compile(base, package, directory, Path(work))


def _compile(base: Path, package: str, directory: Path, work: Path) -> Path:
    """Compile `package`'s modules, whose source is under `base` by its dotted name, into `directory`; the stamp."""
    # Build-time dependencies, not run-time ones.
    from mypyc.build import mypycify
    from setuptools import Distribution  # type: ignore[import-untyped]

    (directory / STAMP).unlink(missing_ok=True)  # an interrupted build leaves the source in use
    modules = _present(directory, MODULES)
    digests = source_digests(directory, modules)
    kernel_sources = kernel_digests(directory)
    previous = os.getcwd()
    os.chdir(base)  # mypy names the modules by their path from here
    try:
        extensions = mypycify(
            [
                "--explicit-package-bases",
                "--config-file=",
                f"--cache-dir={work / 'mypy-cache'}",
                *(str(Path(*package.split("."), f"{name}.py")) for name in modules),
            ],
            opt_level="3",
            target_dir=str(work / "c"),
            group_name=f"{package}.{GROUP}",
        )
        extensions.extend(_kernel_extensions(package, kernel_sources, work))
        distribution = Distribution({"name": "portcullis-compiled", "ext_modules": extensions})
        command = distribution.get_command_obj("build_ext")
        command.inplace = True
        command.build_temp = str(work / "temp")
        command.parallel = os.cpu_count() or 1
        distribution.run_command("build_ext")
    finally:
        os.chdir(previous)
    built = sorted(
        f"{extension.name.rpartition('.')[2]}{importlib.machinery.EXTENSION_SUFFIXES[0]}" for extension in extensions
    )
    compiled_into = base.joinpath(*package.split("."))
    for name in built:
        # A new file replaces the old one: a process that loaded the old one keeps it intact.
        shutil.copyfile(compiled_into / name, directory / f".{name}.new")
        os.replace(directory / f".{name}.new", directory / name)
    stamp = directory / STAMP
    stamp.write_text(
        json.dumps({"extensions": built, "sources": digests, "kernels": kernel_sources}, indent=1, sort_keys=True)
        + "\n"
    )
    return stamp


def _kernel_extensions(package: str, kernels: dict[str, str], work: Path) -> list[Any]:
    """The Cython kernels' extensions (each `.pyx` under the working directory by the package's dotted name),
    translated to C; they build with the mypyc group in one `build_ext`."""
    if not kernels:
        return []
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension

    sources = [
        Extension(
            f"{package}.{name}",
            [str(Path(*package.split("."), f"{name}.pyx"))],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        )
        for name in kernels
    ]
    translated: list[Any] = cythonize(  # type: ignore[no-untyped-call]
        sources, build_dir=str(work / "cython"), quiet=True, language_level=3
    )
    return translated


def _package_directory() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # imports the parent packages only, not the screening package
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed")
    return Path(spec.submodule_search_locations[0])


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """Only one build at a time in `directory` (an advisory lock on a file beside the modules, released by the
    system if the build dies)."""
    with open(directory / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(arguments: Sequence[str]) -> None:
    """`python -m portcullis.shared.compiled [--if-stale]`: compile (only when a source changed, with --if-stale)."""
    directory = _package_directory()
    with _build_lock(directory):
        if "--if-stale" in arguments and compiled_is_current(directory):
            print(f"the compiled {PACKAGE} is current")
            return
        print(f"compiled {len(MODULES)} modules of {PACKAGE}; stamp {build(directory)}")


if __name__ == "__main__":
    main(sys.argv[1:])
