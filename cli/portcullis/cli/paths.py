"""Where the local run state lives: `.run/` in the working directory unless PORTCULLIS_RUN_DIR says otherwise."""

import os
from pathlib import Path

from portcullis.cli.localbroker import LocalBroker


def run_dir() -> Path:
    """The git-ignored folder for the broker, models, databases, pids and logs."""
    return Path(os.environ.get("PORTCULLIS_RUN_DIR", ".run"))


def local_broker() -> LocalBroker:
    """The local broker as configured by PORTCULLIS_BROKER_PORT and PORTCULLIS_BROKER_HEAP_MB."""
    port = int(os.environ.get("PORTCULLIS_BROKER_PORT", "9092"))
    return LocalBroker(
        run_dir=run_dir(),
        port=port,
        controller_port=int(os.environ.get("PORTCULLIS_BROKER_CONTROLLER_PORT", str(port + 1))),
        heap_mb=int(os.environ.get("PORTCULLIS_BROKER_HEAP_MB", "512")),
    )
