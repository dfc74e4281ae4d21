"""Screening speed of this code against the screening package at another git revision, in one process.

Both packages build an index of the whole SDN list (result cache off) and screen the same distinct names (the
benchmark's SDN query stream and the version-2 party names, as in `benchmarks/scorer_equivalence.py`), in
alternating chunks so that both see the same machine; each query's thread CPU time is counted. Each round screens
names neither package has seen (its own share of the distinct names): every name is screened cold, with the caches
of listed words as warm as in a running service. Reported per package and round: screenings per CPU second and
CPU p50/p99 and the load average; per package the index build CPU time and memory (each built in a process of
its own).

Run: `.venv/bin/python -m benchmarks.scorer_speed [--revision REV] [--rounds 3]`.
"""

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.revision import ROOT, screening_at
from benchmarks.scorer_equivalence import Query, build_index, merge_base, party_queries, sdn_queries
from benchmarks.screening import SEED
from portcullis.shared import screening as current
from portcullis.shared.logging import configure_logging

CHUNK = 250
WARM_UP = 300


_MEMORY_PROBE = """
import gc, json, sys, time
sys.path.insert(0, {folder!r})
from importlib import import_module
from benchmarks.scorer_equivalence import build_index
from benchmarks.screening import _rss_bytes
package = import_module({module!r})
package.load_ofac_sdn  # imports the loader and the matcher before the measurement
import_module({module!r} + ".matcher")
gc.collect()
before, start = _rss_bytes(), time.process_time()
index = build_index(package)
build = time.process_time() - start
gc.collect()
print(json.dumps({{"build_cpu_s": round(build, 2), "index_memory_mb": round((_rss_bytes() - before) / 2**20, 1)}}))
"""


def _build_cost(package: ModuleType, folder: str) -> dict[str, float]:
    """The build CPU time and memory of an SDN index of `package`, built in a fresh process."""
    probe = _MEMORY_PROBE.format(folder=folder, module=package.__name__)
    output = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    if output.returncode:
        raise RuntimeError(output.stderr)
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def _screen(package: ModuleType, index: Any, queries: list[Query], into: list[int]) -> None:
    screening_query = package.ScreeningQuery
    for name, schema in queries:
        query = screening_query(name=name, schema=schema)
        start = time.thread_time_ns()
        index.screen(query)
        into.append(time.thread_time_ns() - start)


def _figures(nanos: list[int]) -> dict[str, float]:
    micros = np.array(nanos) / 1000.0
    return {
        "per_cpu_s": round(len(nanos) / (micros.sum() / 1e6), 1),
        "cpu_p50_ms": round(float(np.percentile(micros, 50)) / 1000, 3),
        "cpu_p99_ms": round(float(np.percentile(micros, 99)) / 1000, 3),
    }


def run(revision: str, queries: list[Query], rounds: int) -> dict[str, object]:
    """Per round, both packages over its share of `queries` in alternating chunks."""
    with tempfile.TemporaryDirectory() as folder:
        previous = screening_at(revision, Path(folder))
        packages = {"old": previous, "new": current}
        costs = {label: _build_cost(package, folder) for label, package in packages.items()}
        indexes = {label: build_index(package) for label, package in packages.items()}
        for label, package in packages.items():  # one-time costs (rigour's and ICU's data) outside the rounds
            _screen(package, indexes[label], queries[:WARM_UP], [])
        queries = queries[WARM_UP:]
        # The indexes and caches built so far are left out of later collections: a full collection scanning them
        # costs a few hundred milliseconds and would land on whichever package happens to allocate at the time.
        gc.collect()
        gc.freeze()
        per_round = []
        share = len(queries) // rounds
        for number in range(rounds):
            times: dict[str, list[int]] = {"old": [], "new": []}
            load = os.getloadavg()[0]
            names = queries[number * share : (number + 1) * share]
            for offset in range(0, len(names), CHUNK):
                chunk = names[offset : offset + CHUNK]
                # Each package first in every other chunk: what the first leaves in caches both share (rigour's,
                # ICU's, the processor's) helps each equally.
                for label in ("old", "new") if (offset // CHUNK) % 2 == 0 else ("new", "old"):
                    _screen(packages[label], indexes[label], chunk, times[label])
            figures = {label: _figures(times[label]) for label in ("old", "new")}
            per_round.append(
                {
                    **figures,
                    "speedup": round(figures["new"]["per_cpu_s"] / figures["old"]["per_cpu_s"], 3),
                    "load_average_1m": round(max(load, os.getloadavg()[0]), 2),
                }
            )
    return {
        "revision": revision,
        "queries": len(queries),
        "index_build": costs,
        "rounds": per_round,
    }


def main() -> None:
    """Measure and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", default=None, help="a git revision; default: the merge base with main")
    parser.add_argument("--sdn-queries", type=int, default=30_000)
    parser.add_argument("--declarations", type=int, default=6_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    configure_logging()
    names = list(dict.fromkeys(sdn_queries(arguments.sdn_queries) + party_queries(arguments.declarations)))
    queries = [names[i] for i in random.Random(SEED).sample(range(len(names)), len(names))]  # the two kinds mixed
    print(json.dumps(run(arguments.revision or merge_base(), queries, arguments.rounds), indent=2))


if __name__ == "__main__":
    main()
