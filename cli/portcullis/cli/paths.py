"""Where things are: the project (the checkout with the vendored data) and its run folder, wherever the command runs.

The run folder is `.run/` in the project unless PORTCULLIS_RUN_DIR says otherwise, so `portcullis …` finds the
keys, models and databases of `make up` from any directory.
"""

import os
from pathlib import Path

from portcullis.cli.localbroker import LocalBroker

_MARKERS = ("Makefile", "data/ofac-sdn")


def project_root() -> Path:
    """The project: the nearest parent of the working directory (or of this package) with its Makefile and data.

    Outside a checkout (an installed package used elsewhere) it is the working directory.
    """
    candidates = [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]
    for candidate in candidates:
        if all((candidate / marker).exists() for marker in _MARKERS):
            return candidate
    return Path.cwd()


def run_dir() -> Path:
    """The git-ignored folder for the broker, models, databases, pids, logs and development keys."""
    configured = os.environ.get("PORTCULLIS_RUN_DIR")
    if configured:
        return Path(configured).resolve()
    return project_root() / ".run"


def in_project(relative: str) -> Path:
    """A path of the project (vendored data), whatever the working directory."""
    return project_root() / relative


def local_broker() -> LocalBroker:
    """The local broker as configured by PORTCULLIS_BROKER_PORT and PORTCULLIS_BROKER_HEAP_MB."""
    port = int(os.environ.get("PORTCULLIS_BROKER_PORT", "9092"))
    return LocalBroker(
        run_dir=run_dir(),
        port=port,
        controller_port=int(os.environ.get("PORTCULLIS_BROKER_CONTROLLER_PORT", str(port + 1))),
        heap_mb=int(os.environ.get("PORTCULLIS_BROKER_HEAP_MB", "512")),
    )
