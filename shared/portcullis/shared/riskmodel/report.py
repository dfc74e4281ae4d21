"""The evaluation report: markdown with PNG plots (matplotlib, installed with the command line, is needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from portcullis.shared.riskmodel.evaluation import INSPECTION_RATES, precision_at, recall_at

PLOT_RATES = np.linspace(0.005, 0.30, 60)


def write_report(
    directory: Path,
    metrics: dict[str, Any],
    scores: np.ndarray,
    fraud: np.ndarray,
    importance: dict[str, float],
    title: str,
) -> Path:
    """Write `report.md` and its plots into `directory`; returns the markdown path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)

    precision = [precision_at(fraud, scores, r) for r in PLOT_RATES]
    recall = [recall_at(fraud, scores, r) for r in PLOT_RATES]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    ax.plot(PLOT_RATES * 100, precision, label="precision")
    ax.plot(PLOT_RATES * 100, recall, label="recall")
    ax.axhline(float(np.mean(fraud)), color="grey", linestyle=":", label="fraud rate (random inspection)")
    ax.set_xlabel("inspection rate (% of declarations, highest scores first)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Precision and recall by inspection rate")
    fig.tight_layout()
    fig.savefig(directory / "precision_by_rate.png")
    plt.close(fig)

    top = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:20]
    fig, ax = plt.subplots(figsize=(6, 5), dpi=90)
    ax.barh([name for name, _ in reversed(top)], [value for _, value in reversed(top)])
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance (top 20 by gain)")
    fig.tight_layout()
    fig.savefig(directory / "feature_importance.png")
    plt.close(fig)

    bins = metrics["reliability"]
    fig, ax = plt.subplots(figsize=(5, 5), dpi=90)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    ax.plot([b["mean_score"] for b in bins], [b["fraud_rate"] for b in bins], marker="o", label="model")
    ax.set_xlabel("mean score in bin")
    ax.set_ylabel("observed fraud rate")
    ax.set_title(f"Calibration (Brier {metrics['brier']:.4f})")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(directory / "calibration.png")
    plt.close(fig)

    path = directory / "report.md"
    path.write_text(render_markdown(metrics, importance, title))
    return path


def render_markdown(metrics: dict[str, Any], importance: dict[str, float], title: str) -> str:
    """The report's markdown text."""
    lines = [
        f"# {title}",
        "",
        f"Rows: {metrics['rows']:,}; fraud rate {metrics['fraud_rate']:.3f}; "
        f"AUC {metrics['auc']:.4f}; Brier {metrics['brier']:.4f}.",
        "",
        "| inspection rate | precision | recall | critical-fraud recall |",
        "|---|---|---|---|",
    ]
    for rate in INSPECTION_RATES:
        label = f"{rate * 100:g}pct"
        critical = metrics.get(f"critical_recall_at_{label}")
        lines.append(
            f"| {rate * 100:g}% | {metrics[f'precision_at_{label}']:.3f} | {metrics[f'recall_at_{label}']:.3f} | "
            + (f"{critical:.3f} |" if critical is not None else "n/a |")
        )
    if "critical_count" in metrics:
        lines += ["", f"Critical frauds (Critical Fraud = 2) in the data: {metrics['critical_count']}."]
    lines += [
        "",
        "![precision and recall by inspection rate](precision_by_rate.png)",
        "",
        "## Calibration",
        "",
        "| score bin | items | mean score | observed fraud rate |",
        "|---|---|---|---|",
    ]
    for b in metrics["reliability"]:
        lines.append(
            f"| {b['bin_low']:.1f}-{b['bin_high']:.1f} | {b['count']:.0f} | "
            f"{b['mean_score']:.3f} | {b['fraud_rate']:.3f} |"
        )
    lines += ["", "![calibration](calibration.png)", "", "## Feature importance (gain)", ""]
    total = sum(importance.values()) or 1.0
    lines += ["| feature | share of gain |", "|---|---|"]
    for name, value in sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:20]:
        lines.append(f"| {name} | {value / total:.3f} |")
    lines += ["", "![feature importance](feature_importance.png)", ""]
    return "\n".join(lines)
