"""`make bench`: every benchmark, bounded in time, on the real broker; writes docs/benchmarks.{md,json}.

Run: `.venv/bin/python -m benchmarks.run` (the broker must answer at PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS or
127.0.0.1:9092; `make bench` starts it).
"""

import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import backtest, declarations_v2, history, kafka_paths, services_bench
from portcullis.cli.processes import ServiceSet
from portcullis.shared import screening
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.training import train_model
from portcullis.shared.settings import KafkaSettings

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "customs-declarations-kr"


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    core = "compiled" if screening.COMPILED else "NOT compiled (Python source)"
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 2**20:.0f} GiB, {system}; screening core {core}"


def _local_broker_pid() -> int | None:
    """The local broker's process id (its CPU time is reported), or None when the broker is elsewhere."""
    from portcullis.cli.paths import local_broker

    return local_broker().pid()


def _kafka_version() -> str:
    from portcullis.cli.localbroker import KAFKA_VERSION

    return f"Apache Kafka {KAFKA_VERSION} (KRaft, single node, heap 512 MiB, on the same machine)"


def main() -> None:
    """Run every benchmark and write the report."""
    bootstrap = os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    started = time.perf_counter()
    topics_before = asyncio.run(kafka_paths.topic_names(bootstrap))
    try:
        _run(bootstrap, started)
    finally:
        # Each run makes some 200 topics (a prefix a phase): left behind, a few runs fill the development broker.
        left = asyncio.run(kafka_paths.delete_new_bench_topics(bootstrap, topics_before))
        print(f"deleted the run's {left} benchmark topics")


def _run(bootstrap: str, started: float) -> None:
    # Screening first and in a process of its own, as the scoring service screens: after the Kafka and
    # end-to-end runs the broker is still busy for a while, and on this machine's two vCPUs a busy neighbour
    # halved the CPU-time figures (2,678 a second in the run of 2026-11-25 against ~6,500 alone).
    screening_results = _screening_in_own_process(seconds_budget=20)
    documents = [
        d.model_dump(mode="json")
        for path in (DATA / "df_syn_train_eng.csv", DATA / "df_syn_valid_eng.csv")
        for d in items_to_declarations(read_items_csv(path).items)
    ]
    with tempfile.TemporaryDirectory(prefix="portcullis-bench-") as scratch:
        folder = Path(scratch)
        registry = folder / "models"
        train_model(DATA / "df_syn_train_eng.csv", DATA / "df_syn_valid_eng.csv", folder / "artifact")
        version = ModelRegistry(registry).publish(folder / "artifact")

        results: dict[str, object] = {"model_version": version}
        results["kafka"] = asyncio.run(kafka_paths.run(bootstrap, registry, documents, naive_count=1500))
        # Version-2 declarations (parties, vessel, containers) against the limit of their own, larger messages.
        results["declarations_v2"] = asyncio.run(declarations_v2.run(bootstrap, registry, 10_000))
        kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.")
        asyncio.run(ensure_topics(kafka))
        services = ServiceSet(folder, kafka, registry)
        results["services"] = asyncio.run(
            services_bench.run(
                services, documents[:5000], rates=[500, 1000, 2000], seconds=10, broker_pid=_local_broker_pid()
            )
        )
        # The history store: a report over 1,000,000 stored declarations, and the sink's rate.
        results["history"] = history.run(bootstrap, folder / "history-bench")
        # A backtest of rules over 1,000,000 stored declarations.
        results["backtest"] = backtest.run()
    results["screening"] = screening_results
    results["machine"] = _machine()
    results["broker"] = _kafka_version()
    results["run_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["git_commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=REPO
    ).stdout.strip()
    results["seconds"] = time.perf_counter() - started
    (REPO / "docs" / "benchmarks.json").write_text(json.dumps(results, indent=2))
    (REPO / "docs" / "benchmarks.md").write_text(render(results))
    print(render(results))


def _screening_in_own_process(seconds_budget: float) -> dict[str, object]:
    """`python -m benchmarks.screening` in a fresh interpreter; its JSON figures."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.screening", str(seconds_budget)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def render(results: dict[str, object]) -> str:
    """The markdown report."""
    from benchmarks.report import render_markdown

    return render_markdown(results)


if __name__ == "__main__":
    main()
