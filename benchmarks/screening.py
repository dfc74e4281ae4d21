"""Screening benchmark: throughput and latency against the OFAC SDN list and a synthetic 1,000,000-name index.

The headline figures screen one query at a time with the result cache off, so that every query pays for its
full screening; the SDN part also reports the same query mix with the default result cache and with
`screen_many` batches. Each index is built, then the process's long-lived objects are frozen out of the garbage
collector's generations (`portcullis.shared.memory.freeze_long_lived`), as the scoring and watchlist services do
once their index is loaded: a full collection then does not traverse the index on every screening's garbage.

`python -m benchmarks.screening [SECONDS]` runs it and prints JSON; `make bench` runs exactly that, first and in a
process of its own.
"""

import gc
import json
import os
import platform
import random
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from portcullis.shared import screening
from portcullis.shared.logging import configure_logging
from portcullis.shared.memory import freeze_long_lived
from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex, load_ofac_sdn
from portcullis.shared.screening.entries import EntryKind
from portcullis.shared.screening.pairs import in_cyrillic, surname_first, with_accents, with_typos
from portcullis.shared.screening.variants import generate_variants, measure_recall

SDN_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "ofac-sdn"
SYNTHETIC_NAMES = 1_000_000
SEED = 7

_GIVEN = ["Anna", "Peter", "Maria", "John", "Lena", "Carlos", "Yuki", "Priya", "Omar", "Chen", "Sofia", "Lukas"]
_FAMILY = ["Lindqvist", "Okafor", "Moreau", "Tanaka", "Fischer", "Kowalski", "Haddad", "Novak", "Silva", "Byrne"]
_COMPANY_WORDS = ["Nordic", "Atlas", "Harbor", "Summit", "Blue", "Granite", "Pioneer", "Delta", "Apex", "Crescent"]
_COMPANY_KINDS = ["Logistics", "Trading", "Foods", "Textiles", "Machinery", "Shipping", "Pharma", "Electronics"]
_LEGAL = ["GmbH", "Ltd", "LLC", "S.A.", "BV", "Inc.", "Oy", "AB"]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reference_loop_us() -> float:
    """Best time of a fixed pure-Python loop, to compare machines (and to see a busy one)."""
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        sum(range(10_000))
        best = min(best, time.perf_counter() - start)
    return round(best * 1e6, 1)


def _machine() -> dict[str, object]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "reference_loop_us": _reference_loop_us(),
        "screening_compiled": screening.COMPILED,
    }


def _clean_name(rng: random.Random) -> tuple[str, str]:
    """A realistic name that is not on the list (traders and travellers screened every day)."""
    if rng.random() < 0.5:
        return f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}", "Person"
    words = rng.sample(_COMPANY_WORDS, 2)
    return f"{words[0]} {words[1]} {rng.choice(_COMPANY_KINDS)} {rng.choice(_LEGAL)}", "Organization"


def _variant(rng: random.Random, name: str) -> str:
    makers: list[Callable[[str], str]] = [
        lambda n: n,
        lambda n: with_typos(rng, n, 1),
        lambda n: with_typos(rng, n, 2) if len(n) > 10 else n,
        lambda n: with_accents(rng, n),
        surname_first,
        lambda n: n.lower(),
        in_cyrillic,
    ]
    return rng.choice(makers)(name)


def _queries(entries: Sequence[WatchlistEntry], count: int, seed: int) -> list[tuple[ScreeningQuery, str | None]]:
    """Half listed names (with realistic variants), half clean names; with the entry each should find."""
    rng = random.Random(seed)
    named = [e for e in entries if e.kind in ("person", "organization", "vessel") and e.name]
    schemas = {"person": "Person", "organization": "Organization", "vessel": "Vessel"}
    queries: list[tuple[ScreeningQuery, str | None]] = []
    for _ in range(count):
        if rng.random() < 0.5:
            entry = rng.choice(named)
            schema = schemas[entry.kind] if rng.random() < 0.5 else None
            queries.append((ScreeningQuery(name=_variant(rng, entry.name), schema=schema), entry.entry_id))  # type: ignore[arg-type]
        else:
            name, schema = _clean_name(rng)
            queries.append((ScreeningQuery(name=name, schema=schema if rng.random() < 0.5 else None), None))  # type: ignore[arg-type]
    return queries


def _measure(
    index: WatchlistIndex, queries: list[tuple[ScreeningQuery, str | None]], seconds: float
) -> dict[str, float]:
    """Screen queries one by one until they or the time run out; latency percentiles and quality."""
    latencies: list[int] = []
    cpu_latencies: list[int] = []
    found = expected = alerts = clean = 0
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    deadline = wall_start + seconds
    for query, entry_id in queries:
        start, thread_start = time.perf_counter_ns(), time.thread_time_ns()
        matches = index.screen(query)
        cpu_latencies.append(time.thread_time_ns() - thread_start)
        latencies.append(time.perf_counter_ns() - start)
        if entry_id is None:
            clean += 1
            alerts += bool(matches)
        else:
            expected += 1
            found += any(m.entry.entry_id == entry_id for m in matches)
        if len(latencies) % 256 == 0 and time.perf_counter() > deadline:
            break
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    micros = np.array(latencies) / 1000.0
    cpu_micros = np.array(cpu_latencies) / 1000.0
    return {
        "queries": len(latencies),
        "throughput_per_s": round(len(latencies) / wall, 1),
        "throughput_per_cpu_s": round(len(latencies) / cpu, 1),
        "p50_ms": round(float(np.percentile(micros, 50)) / 1000, 3),
        "p95_ms": round(float(np.percentile(micros, 95)) / 1000, 3),
        "p99_ms": round(float(np.percentile(micros, 99)) / 1000, 3),
        # CPU time of the screening thread alone: what one query costs when the core is not shared.
        "cpu_p50_ms": round(float(np.percentile(cpu_micros, 50)) / 1000, 3),
        "cpu_p95_ms": round(float(np.percentile(cpu_micros, 95)) / 1000, 3),
        "cpu_p99_ms": round(float(np.percentile(cpu_micros, 99)) / 1000, 3),
        "listed_found_rate": round(found / max(expected, 1), 4),
        "clean_alert_rate": round(alerts / max(clean, 1), 4),
    }


def _synthetic_entries(names: int, seed: int) -> list[WatchlistEntry]:
    """Entries with four names each (a name and three aliases), drawn from a large random vocabulary."""
    rng = random.Random(seed)
    syllables = [
        "".join(p) for p in zip(rng.choices(string.ascii_uppercase, k=3000), rng.choices("AEIOU", k=3000), strict=True)
    ]
    vocabulary = list({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(200_000)})
    entries = []
    for number in range(names // 4):
        kind: EntryKind = "person" if number % 3 else "organization"
        base = rng.sample(vocabulary, 3)
        variants = [" ".join(base), " ".join(reversed(base)), " ".join(base[:2]), " ".join([base[0], base[2]])]
        entries.append(
            WatchlistEntry(
                entry_id=f"synthetic:{number}",
                list_name="synthetic",
                kind=kind,
                name=variants[0],
                aliases=tuple(variants[1:]),
            )
        )
    return entries


def _measure_batches(
    index: WatchlistIndex, queries: list[tuple[ScreeningQuery, str | None]], seconds: float, batch: int = 500
) -> dict[str, float]:
    """Screen the queries with `screen_many`, a batch at a time as a consumer would; throughput and batch latency."""
    latencies: list[int] = []
    screened = 0
    cpu_start, deadline = time.process_time(), time.perf_counter() + seconds
    for offset in range(0, len(queries), batch):
        start = time.perf_counter_ns()
        index.screen_many([query for query, _ in queries[offset : offset + batch]])
        latencies.append(time.perf_counter_ns() - start)
        screened += min(batch, len(queries) - offset)
        if time.perf_counter() > deadline:
            break
    cpu = time.process_time() - cpu_start
    millis = np.array(latencies) / 1e6
    return {
        "batch_size": batch,
        "queries": screened,
        "throughput_per_cpu_s": round(screened / cpu, 1),
        "batch_p99_ms": round(float(np.percentile(millis, 99)), 2),
    }


def _sdn_part(seconds: float) -> dict[str, object]:
    """One screening at a time without the result cache (every query pays in full), then with it, then in batches."""
    entries = load_ofac_sdn(SDN_DIRECTORY)
    gc.collect()
    rss_before = _rss_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    index = WatchlistIndex(result_cache_size=0)
    index.extend(entries)
    build = time.perf_counter() - start
    build_cpu = time.process_time() - cpu_start
    gc.collect()
    memory = _rss_bytes() - rss_before
    queries = _queries(entries, 50_000, SEED)
    freeze_long_lived()  # as the services do once their index is loaded
    index.screen(queries[0][0])  # warm caches of the first call
    uncached = _measure(index, queries, seconds * 0.6)
    cached_index = WatchlistIndex()  # the default: a result cache of recent queries, emptied by every change
    cached_index.extend(entries)
    freeze_long_lived()
    return {
        "entries": len(index),
        "names": index.name_count,
        "build_s": round(build, 3),
        "build_cpu_s": round(build_cpu, 3),
        "index_memory_mb": round(memory / 2**20, 1),
        "threshold": index.match_threshold,
        "long_lived_objects_frozen": True,
        **uncached,
        "with_result_cache": _measure(cached_index, queries, seconds * 0.2),
        "screen_many": _measure_batches(cached_index, _queries(entries, 50_000, SEED + 2), seconds * 0.2),
        # Generated spelling, spacing, order and transliteration variants of SDN names: the share whose entry
        # is a blocking candidate, reaches the full scorer, is found at the threshold, and is in the top 3.
        "candidate_recall": {
            kind: asdict(row) for kind, row in measure_recall(index, generate_variants(entries, per_kind=100)).items()
        },
    }


def _large_part(seconds: float, target_names: int) -> dict[str, object]:
    """Build a synthetic index of up to `target_names` names within 70% of the time, then screen against it."""
    entries = _synthetic_entries(target_names, SEED)
    deadline = time.perf_counter() + seconds * 0.7
    gc.collect()
    rss_before = _rss_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    index = WatchlistIndex(result_cache_size=0)
    for offset in range(0, len(entries), 10_000):
        index.extend(entries[offset : offset + 10_000])
        if time.perf_counter() > deadline:
            break
    build = time.perf_counter() - start
    build_cpu = time.process_time() - cpu_start
    gc.collect()
    memory = _rss_bytes() - rss_before
    indexed = [e for e in entries if e.entry_id in index]
    queries = _queries(indexed, 100_000, SEED + 1)
    freeze_long_lived()
    start = time.perf_counter()
    probe = indexed[len(indexed) // 2]
    index.upsert(probe.model_copy(update={"aliases": (*probe.aliases, "EXTRA ALIAS NAME")}))
    index.remove(indexed[0].entry_id)
    update_ms = (time.perf_counter() - start) / 2 * 1000
    return {
        "entries": len(index),
        "names": index.name_count,
        "build_s": round(build, 1),
        "build_cpu_s": round(build_cpu, 1),
        "index_memory_mb": round(memory / 2**20, 1),
        "single_update_ms": round(update_ms, 3),
        **_measure(index, queries, seconds * 0.2),
    }


def run(seconds_budget: float = 60.0) -> dict[str, object]:
    """Run the screening benchmark within about `seconds_budget` seconds; figures for docs/benchmarks.md.

    The synthetic index reaches its full 1,000,000 names only when the budget allows the build (about 50
    CPU seconds, i.e. a budget of 120 s or more on an idle core); otherwise `names` says how far it got.
    """
    sdn = _sdn_part(seconds_budget * 0.2)
    large = _large_part(seconds_budget * 0.75, SYNTHETIC_NAMES)
    return {"machine": _machine(), "sdn": sdn, "synthetic_1m": large}


if __name__ == "__main__":
    configure_logging()
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(json.dumps(run(budget), indent=2))
