"""Screening speed of this code against the screening package at a git revision, in one process on the same queries.

Both indexes hold the whole SDN list (no result cache). The queries go in chunks, each chunk screened by one index
and then by the other (which goes first alternates), so that both see the machine in the same state; every query's
thread CPU time is taken, with garbage collections off. The garbage collector's load of each index is measured
apart, each index in a process of its own. Query sets: `cold`, the distinct names of the screening benchmark's SDN
stream and of generated version-2 parties, each screened once per index (nothing kept from an earlier screening of
it), split into `rounds` disjoint parts; `stream`, the benchmark's own stream in order, repeats and all (what
`make bench` screens); and `v2_party_names`, party names of further generated declarations not among the others,
as the scoring service's party cache takes a name it does not hold (`name_scores` at the default threshold).

With `--compiled` the revision's compiled core is built with mypyc as this code's is (once per commit, kept in
`.run/revisions`), so that compiled code is compared with compiled code; without it the revision runs interpreted.

Run: `.venv/bin/python -m benchmarks.screening_speed [--revision main] [--compiled] [--rounds 4] [--chunk 100]`;
prints JSON.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.revision import screening_at
from benchmarks.screening import SDN_DIRECTORY, _rss_bytes
from benchmarks.screening_equivalence import (
    REPO,
    Query,
    build_index,
    party_queries,
    sdn_queries,
)
from portcullis.shared import screening
from portcullis.shared.logging import configure_logging


def _screen_chunk(
    package: ModuleType, index: Any, chunk: Sequence[Query], into: list[int], party_names: bool = False
) -> None:
    if party_names:  # as the scoring service's party cache asks for a name not kept (`name_scores`)
        for name, schema in chunk:
            start = time.thread_time_ns()
            index.name_scores(name, schema)
            into.append(time.thread_time_ns() - start)
        return
    queries = [package.ScreeningQuery(name=name, schema=schema) for name, schema in chunk]
    for query in queries:
        start = time.thread_time_ns()
        index.screen(query)
        into.append(time.thread_time_ns() - start)


def _summary(nanos: list[int]) -> dict[str, float]:
    micros = np.array(nanos) / 1000.0
    return {
        "queries": len(nanos),
        "per_cpu_s": round(len(nanos) / (micros.sum() / 1e6), 1),
        "cpu_mean_ms": round(float(micros.mean()) / 1000, 4),
        "cpu_p50_ms": round(float(np.percentile(micros, 50)) / 1000, 4),
        "cpu_p99_ms": round(float(np.percentile(micros, 99)) / 1000, 4),
    }


def _alternate(
    packages: dict[str, tuple[ModuleType, Any]], queries: Sequence[Query], chunk: int, party_names: bool = False
) -> dict[str, dict[str, float]]:
    """Each chunk screened by both indexes in turn, the first of them alternating; CPU figures per index."""
    times: dict[str, list[int]] = {label: [] for label in packages}
    labels = list(packages)
    for number, offset in enumerate(range(0, len(queries), chunk)):
        part = queries[offset : offset + chunk]
        for label in labels if number % 2 == 0 else reversed(labels):
            package, index = packages[label]
            _screen_chunk(package, index, part, times[label], party_names)
    result = {label: _summary(nanos) for label, nanos in times.items()}
    # Query by query (the same query in both): robust to the few slow screenings that decide a mean.
    difference = (np.array(times["new"]) - np.array(times["old"])) / 1000.0
    result["paired"] = {
        "median_new_minus_old_us": round(float(np.median(difference)), 2),
        "share_new_faster": round(float((difference < 0).mean()), 3),
    }
    return result


def _full_collection_ms() -> float:
    """The best of five full garbage collections, in milliseconds."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        gc.collect()
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


def _collector_load(revision: str, label: str, compiled: bool) -> dict[str, float]:
    """In a process of its own, one index of the SDN list: the memory and the objects it adds for the garbage
    collector (its package's caches filled by the build included), and what a full collection takes without and with
    it."""
    with tempfile.TemporaryDirectory() as folder:
        package = screening if label == "new" else screening_at(revision, Path(folder), compiled)
        entries = package.load_ofac_sdn(SDN_DIRECTORY)
        gc.collect()
        baseline_objects, baseline_ms, baseline_bytes = len(gc.get_objects()), _full_collection_ms(), _rss_bytes()
        index = package.WatchlistIndex(result_cache_size=0)
        index.extend(entries)
        gc.collect()
        return {
            "index_memory_mb": round((_rss_bytes() - baseline_bytes) / 2**20, 1),
            "tracked_objects_added": len(gc.get_objects()) - baseline_objects,
            "full_collection_ms": _full_collection_ms(),
            "without_index_ms": baseline_ms,
        }


def _collector_load_apart(revision: str, label: str, compiled: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.screening_speed", "--revision", revision, "--collector", label]
    if compiled:
        command.append("--compiled")
    output = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True).stdout
    loaded: dict[str, float] = json.loads(output.strip().splitlines()[-1])  # after any log lines
    return loaded


def run(revision: str, rounds: int, chunk: int, stream_count: int, compiled: bool = False) -> dict[str, object]:
    """Old and new speed on the cold distinct names (per round) and on the benchmark's stream."""
    sdn = sdn_queries(stream_count)
    # Names screened by both before measuring: module set-up and first-call costs are not the first chunk's.
    warm_up = sdn_queries(stream_count + 300)[stream_count:]
    distinct = list(dict.fromkeys([*sdn, *party_queries(3000)]))
    seen = set(distinct)
    parties = [query for query in party_queries(8000) if query not in seen]
    report: dict[str, object] = {
        "revision": revision,
        "compiled": {"old": compiled, "new": screening.COMPILED},
        "load_average_1m_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as folder:
        old_package = screening_at(revision, Path(folder), compiled)  # compiled first, for the collector's process
        report["garbage_collector"] = {
            label: _collector_load_apart(revision, label, compiled) for label in ("old", "new")
        }
        builds: dict[str, dict[str, float]] = {}
        packages: dict[str, tuple[ModuleType, Any]] = {}
        for label, package in (("old", old_package), ("new", screening)):
            start = time.process_time()
            index = build_index(package)
            builds[label] = {"build_cpu_s": round(time.process_time() - start, 3)}
            _screen_chunk(package, index, warm_up, [])
            packages[label] = (package, index)
        report["build"] = builds
        # Both indexes live in this process, and a collection is charged to whichever screening it interrupts (the
        # same one in every run: collections follow allocations). Collections are off while timed; what each index
        # costs the collector is `garbage_collector` above.
        gc.collect()
        gc.disable()
        size = len(distinct) // rounds
        cold = []
        for number in range(rounds):
            result = _alternate(packages, distinct[number * size : (number + 1) * size], chunk)
            result["speedup"] = {"x": round(result["new"]["per_cpu_s"] / result["old"]["per_cpu_s"], 3)}
            cold.append(result)
        report["cold"] = cold
        stream = _alternate(packages, sdn, chunk)
        stream["speedup"] = {"x": round(stream["new"]["per_cpu_s"] / stream["old"]["per_cpu_s"], 3)}
        report["stream"] = stream
        by_name = _alternate(packages, parties, chunk, party_names=True)
        by_name["speedup"] = {"x": round(by_name["new"]["per_cpu_s"] / by_name["old"]["per_cpu_s"], 3)}
        report["v2_party_names"] = by_name
        gc.enable()
    report["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    return report


def main() -> None:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revision", default="main")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--stream", type=int, default=10_000)
    parser.add_argument("--collector", choices=("old", "new"), help="only the garbage collector's load of one index")
    parser.add_argument("--compiled", action="store_true", help="the revision's compiled core (built once, kept)")
    arguments = parser.parse_args()
    if arguments.collector:
        print(json.dumps(_collector_load(arguments.revision, arguments.collector, arguments.compiled)))
        return
    configure_logging()
    print(
        json.dumps(
            run(arguments.revision, arguments.rounds, arguments.chunk, arguments.stream, arguments.compiled), indent=2
        )
    )


if __name__ == "__main__":
    main()
