"""Rendering benchmark results as docs/benchmarks.md, with each goal and whether this run met it."""

import json
from typing import Any


def _goal(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _held(row: dict[str, Any]) -> bool:
    """Whether a latency run really ran at its rate: offered rate achieved, nothing lost, no POST failed."""
    return row["achieved_per_s"] >= 0.95 * row["offered_per_s"] and row["missing"] == 0 and not row.get("failed_posts")


def _cpu(per_process: dict[str, float] | None) -> str:
    """CPU milliseconds per process, e.g. `ingest 0.31, scoring 0.47, ...` (older results have none)."""
    if not per_process:
        return "-"
    return ", ".join(f"{name} {ms:.2f}" for name, ms in per_process.items())


def render_markdown(results: dict[str, Any]) -> str:
    """The report: machine, figures, goals."""
    kafka = results["kafka"]
    services = results["services"]
    e2e = services["end_to_end"]
    at_1000 = next((row for row in e2e if row["offered_per_s"] == 1000), None)
    memory = services["memory_mb"]
    lines = [
        "# Benchmarks",
        "",
        f"One real run of `make bench` on {results['run_at']} (commit {results['git_commit']}, "
        f"{results['seconds']:.0f} s in all).",
        "",
        f"- Machine: {results['machine']}",
        f"- Broker: {results['broker']}",
        f"- Model: {results['model_version']} (the default training, full training year)",
        "- Everything (broker, services, load generator) shares the same 2 cores; load goes to 127.0.0.1 only.",
        "",
        "## Kafka paths (messages a second)",
        "",
        *_rounds_note(kafka, "(a) and (b)"),
        "| what | per second |",
        "|---|---|",
        f"| (a) the limit: the same client consuming and producing, decoding each message, no scoring "
        f"({kafka['messages']:,} messages{_passes(kafka)}) | {kafka['limit_per_s']:,.0f} |",
        f"| (b) scoring: batches of up to 1,000, real model, {kafka['rules']} rules, the whole SDN list "
        f"({kafka['watchlist_entries']:,} entries) loaded, lanes, reasons, decisions produced | "
        f"{kafka['scoring_per_s']:,.0f} |",
        f"| (c) naive baseline: the same scoring, one message per batch ({kafka['naive_messages']:,} messages) | "
        f"{kafka['naive_per_s']:,.0f} |",
        "",
        f"CPU time of the benchmark process per message (all its threads, the Kafka client's included, the broker's "
        f"not): (a) {kafka.get('limit_cpu_us_per_message', float('nan')):.0f} us, "
        f"(b) {kafka.get('scoring_cpu_us_per_message', float('nan')):.0f} us.",
        *_rounds_table(
            kafka,
            [
                ("(a) per s", "limit_per_s", ",.0f"),
                ("(b) per s", "scoring_per_s", ",.0f"),
                ("(b) / (a)", "scoring_share_of_limit", ".1%"),
            ],
        ),
        "",
        "## Ingest over HTTP (16 concurrent clients)",
        "",
        f"Load generator: {services.get('load_generator', 'Python (httpx) in one process on the same 2 cores')}. "
        "It shares the 2 cores with the broker and the services, so the figures are those of the whole machine; "
        "CPU is milliseconds of CPU time per request, per process, over the run.",
        "",
        "| POST body | declarations/s | requests/s | p50 ms | p95 ms | p99 ms | CPU ms per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, key in (("one declaration", "ingest_single"), ("batch of 100", "ingest_batch_100")):
        row = services[key]
        lines.append(
            f"| {label} | {row['declarations_per_s']:,.0f} | {row['requests_per_s']:,.0f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {_cpu(row.get('cpu_ms_per_request'))} |"
        )
    lines += [
        "",
        "## End to end: POST to stored decision (POSTs of 10 declarations, 10 s per rate)",
        "",
        f"Measured after the store had caught up with what the ingest runs accepted "
        f"({services['backlog_drain_s']:.0f} s of draining), each rate after the previous one was stored.",
        "",
        "Latency runs from just before the POST is sent to the decision's `stored_at` (set by the gateway in the",
        "transaction that stores it). CPU is milliseconds of CPU time per declaration, per process, from the first",
        "POST until the last decision was stored.",
        "",
        "| offered/s | achieved/s | declarations | missing | failed | p50 ms | p95 ms | p99 ms "
        "| CPU ms per declaration |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in e2e:
        lines.append(
            f"| {row['offered_per_s']:,.0f} | {row['achieved_per_s']:,.0f} | {row['declarations']:,} | "
            f"{row['missing']} | {row.get('failed_posts', 0)} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | "
            f"{row['p99_ms']:.0f} | {_cpu(row.get('cpu_ms_per_declaration'))} |"
        )
    staged = [row for row in e2e if row.get("stages_ms")]
    if staged:
        lines += [
            "",
            "Where the time goes, p50 / p95 / p99 ms: ingest = POST sent to the record's timestamp (taken by ingest "
            "when it hands the validated declaration to the producer), scoring = that timestamp to `decided_at` "
            "(the produce and its acknowledgement, the fetch, the scoring), store = `decided_at` to `stored_at` "
            "(the decision's produce, the fetch, the database commit).",
            "",
            "| offered/s | ingest | scoring | store |",
            "|---|---|---|---|",
        ]
        for row in staged:
            cells = [
                " / ".join(f"{row['stages_ms'][stage][key]:.0f}" for key in ("p50_ms", "p95_ms", "p99_ms"))
                for stage in ("ingest", "scoring", "store")
            ]
            lines.append(f"| {row['offered_per_s']:,.0f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Memory (resident, after the end-to-end runs)",
        "",
        "| service | MB |",
        "|---|---|",
        *[f"| {name} | {mb:.0f} |" for name, mb in memory.items()],
        "",
        "## Goals (issue 7)",
        "",
        "| goal | this run | |",
        "|---|---|---|",
        f"| scoring at least 10,000 declarations/s | {kafka['scoring_per_s']:,.0f} | "
        f"{_goal(kafka['scoring_per_s'] >= 10_000)} |",
        f"| scoring at least half of the limit (a) | {kafka['scoring_share_of_limit']:.0%} | "
        f"{_goal(kafka['scoring_share_of_limit'] >= 0.5)} |",
        f"| scoring at least 10x the naive baseline (c) | {kafka['scoring_per_s'] / kafka['naive_per_s']:.0f}x | "
        f"{_goal(kafka['scoring_per_s'] >= 10 * kafka['naive_per_s'])} |",
    ]
    if at_1000:
        lines.append(
            f"| end-to-end p99 at most 100 ms at 1,000/s | {at_1000['p99_ms']:.0f} ms | "
            f"{_goal(_held(at_1000) and at_1000['p99_ms'] <= 100)} |"
        )
    lines.append(f"| scoring under 500 MB resident | {memory['scoring']:.0f} MB | {_goal(memory['scoring'] < 500)} |")
    if "declarations_v2" in results:
        lines += ["", *_declarations_v2_markdown(results["declarations_v2"], kafka)]
    lines += [
        "",
        "## Screening",
        "",
        "```json",
        json.dumps(results.get("screening", {}), indent=2),
        "```",
        "",
    ]
    if "history" in results:
        from benchmarks.history import render_markdown as history_markdown

        lines += ["", *history_markdown(results["history"])]
    if "backtest" in results:
        from benchmarks.backtest import render_markdown as backtest_markdown

        lines += ["", *backtest_markdown(results["backtest"])]
    return "\n".join(lines)


def _declarations_v2_markdown(v2: dict[str, Any], kafka: dict[str, Any]) -> list[str]:
    """Version-2 declarations (parties screened, containers linked) against the limit (a) of their own messages."""
    limit = v2["limit_v2_per_s"]
    v1_share, v2_share = kafka["scoring_share_of_limit"], v2["v2_share_of_limit"]
    rows = [
        (f"(a) the limit on the version-2 messages{_passes(v2)}: consume, decode, produce, no scoring", "limit_v2"),
        ("scoring version 1 (the same declarations without the version-2 parts)", "scoring_v1"),
        ("scoring version 2: every party and vessel name screened against the whole SDN list", "scoring_v2"),
        ("scoring version 2, every party's screening kept from before (traders recurring)", "scoring_v2_recurring"),
    ]
    lines = [
        "## Version-2 declarations (issue 14)",
        "",
        f"`benchmarks.declarations_v2`: the same {v2['messages']:,.0f} declarations of the validation quarter as "
        "version 1 and as version 2 (5% with a planted listed party or vessel), each phase on fresh topics, the real "
        "model, 50 rules and the whole SDN list. CPU is the benchmark process's, per message.",
        "",
        *_rounds_note(v2, "(a) and the two scorings"),
        "| what | per second | share of (a) | CPU us per message |",
        "|---|---|---|---|",
    ]
    for label, key in rows:
        if f"{key}_per_s" in v2:
            rate = v2[f"{key}_per_s"]
            cpu = v2.get(f"{key}_cpu_us_per_message")
            cpu_text = f"{cpu:,.0f}" if cpu is not None else ""
            share = v2.get(f"{key.removeprefix('scoring_')}_share_of_limit", rate / limit)
            lines.append(f"| {label} | {rate:,.0f} | {share:.1%} | {cpu_text} |")
    lines += _rounds_table(
        v2,
        [
            ("(a) per s", "limit_v2_per_s", ",.0f"),
            ("version 1 per s", "scoring_v1_per_s", ",.0f"),
            ("version 2 per s", "scoring_v2_per_s", ",.0f"),
            ("version 2 / (a)", "v2_share_of_limit", ".1%"),
            ("version 2 CPU us", "scoring_v2_cpu_us_per_message", ",.0f"),
        ],
    )
    lines += [
        "",
        "| goal | this run | |",
        "|---|---|---|",
        f"| version 2 at least a seventh of (a) (14.3%) | {v2_share:.1%} | {_goal(v2_share >= 1 / 7)} |",
        # Version 1 against the limit of its own messages: (b) / (a) of the Kafka paths above.
        f"| version 1 at least a fifth of (a) (20%): (b) / (a) above | {v1_share:.1%} | {_goal(v1_share >= 0.2)} |",
    ]
    return lines


def _rounds_note(figures: dict[str, Any], phases: str) -> list[str]:
    """A sentence on the rounds the figures are medians of."""
    return [
        f"{phases} ran {len(figures['rounds'])} times in turn, each time on fresh topics: each figure is the median of "
        "the rounds, and each share the median of the rounds' shares (each round's below).",
        "",
    ]


def _rounds_table(figures: dict[str, Any], columns: list[tuple[str, str, str]]) -> list[str]:
    """Each round's figures, a row a round."""
    lines = ["", "| round | " + " | ".join(label for label, _, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for number, row in enumerate(figures["rounds"], start=1):
        lines.append(f"| {number} | " + " | ".join(format(row[key], spec) for _, key, spec in columns) + " |")
    return lines


def _passes(figures: dict[str, Any]) -> str:
    """How many times over (a) drained its messages, when more than once."""
    passes = figures["limit_passes"]
    return f", drained {passes} times over" if passes > 1 else ""
