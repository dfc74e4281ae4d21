"""The mirror report as CSV and as a chart (matplotlib's non-interactive backend, as the other reports)."""

import csv
import io
from typing import Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from portcullis.analytics.mirror.report import MirrorReport

#: Rows drawn at most (the highest scores); the JSON and CSV carry every row asked for.
MAX_CHART_ROWS = 15
CSV_COLUMNS = (
    "rank", "hs6", "origin", "period", "score", "partner_value_usd", "declared_value_usd", "value_gap_usd",
    "value_ratio", "partner_net_weight_kg", "declared_net_weight_kg", "weight_gap_kg", "partner_unit_value",
    "declared_unit_value", "unit_value_ratio", "declared_value", "declarations", "importers",
)  # fmt: skip


def mirror_csv(report: MirrorReport) -> str:
    """One line per ranked row, with the flags and the top importers (id:shortfall USD)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["from", "to", "group_by", *CSV_COLUMNS, "flags", "top_importers", "explanation"])
    for row in report.rows:
        values = row.model_dump()
        importers = " ".join(f"{c.id}:{c.shortfall_usd:.0f}" for c in row.top_importers if c.shortfall_usd is not None)
        writer.writerow(
            [report.period_from, report.period_to, report.group_by.value, *(values[c] for c in CSV_COLUMNS),
             " ".join(row.flags), importers, row.explanation]
        )  # fmt: skip
    return out.getvalue()


def mirror_chart(report: MirrorReport, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """Partner-reported against declared value (USD, FOB) of the highest-scoring rows, with each row's score."""
    rows = list(reversed(report.rows[:MAX_CHART_ROWS]))
    figure, axes = plt.subplots(figsize=(9, 0.45 * max(len(rows), 3) + 1.8), layout="constrained")
    names = [f"{row.hs6} {row.origin}" + (f" {row.period}" if row.period else "") for row in rows]
    positions = list(range(len(rows)))
    # US dollars on a log scale: a pair worth thousands and one worth millions both show their gap.
    partner = [max(row.partner_value_usd, 1.0) for row in rows]
    declared = [max(row.declared_value_usd or 0, 1.0) for row in rows]
    axes.barh([p + 0.2 for p in positions], partner, height=0.4, color="#2980b9", label="partners report (FOB)")
    axes.barh([p - 0.2 for p in positions], declared, height=0.4, color="#c0392b", label="declared (CIF / factor)")
    for position, row in zip(positions, rows, strict=True):
        score = "-" if row.score is None else f"{row.score:.2f}"
        ratio = "" if row.value_ratio is None else f", declared {100 * row.value_ratio:.0f}%"
        axes.annotate(f" score {score}{ratio}", (max(partner[position], declared[position]), position),
                      va="center", fontsize=8)  # fmt: skip
    axes.set_yticks(positions, names)
    axes.set_xscale("log")
    axes.set_xlabel("US dollars (log scale)")
    axes.set_xlim(max(min([*partner, *declared]) / 2, 1.0), max([*partner, *declared, 10]) * 30)
    axes.set_title(f"Mirror analysis, top {len(rows)} by score, {report.period_from} to {report.period_to}")
    axes.legend(fontsize=8, loc="lower right", frameon=False)
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
    return out.getvalue()
