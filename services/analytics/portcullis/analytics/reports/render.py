"""The reports as CSV and as charts (SVG or PNG, drawn with matplotlib's non-interactive backend)."""

import csv
import io
from typing import Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from portcullis.analytics.reports.performance import PerformanceReport, PerformanceRow
from portcullis.analytics.reports.time_release import TimeReleaseReport

ChartFormat = Literal["svg", "png"]
#: Groups drawn at most (the largest ones); the JSON and CSV carry every group.
MAX_CHART_GROUPS = 20


def performance_csv(report: PerformanceReport) -> str:
    """One line per group, then the total."""
    columns = list(PerformanceRow.model_fields)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["from", "to", "group_by", *columns])
    for row in [*report.groups, report.total]:
        values = row.model_dump()
        writer.writerow([report.period_from, report.period_to, report.group_by.value, *(values[c] for c in columns)])
    return out.getvalue()


def time_release_csv(report: TimeReleaseReport) -> str:
    """One line per group and stage, then the total's."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "from", "to", "group_by", "group", "declarations", "released", "share_within_target", "largest_stage",
            "stage", "count", "mean_hours", "median_hours", "p90_hours", "share_of_total",
        ]
    )  # fmt: skip
    for row in [*report.groups, report.total]:
        for stage in row.stages:
            writer.writerow(
                [
                    report.period_from, report.period_to, report.group_by.value, row.group, row.declarations,
                    row.released, row.share_within_target, row.largest_stage, stage.stage, stage.count,
                    stage.mean_hours, stage.median_hours, stage.p90_hours, stage.share_of_total,
                ]
            )  # fmt: skip
    return out.getvalue()


def performance_chart(report: PerformanceReport, fmt: ChartFormat = "svg") -> bytes:
    """Hit rate of inspections per group, against the estimated non-compliance of all declarations."""
    rows = sorted(report.groups, key=lambda row: row.inspections, reverse=True)[:MAX_CHART_GROUPS]
    rows.sort(key=lambda row: row.group)
    figure, axes = plt.subplots(figsize=(9, 4.8), layout="constrained")
    names = [row.group for row in rows]
    rates = [100 * (row.hit_rate or 0) for row in rows]
    bars = axes.bar(names, rates, color="#c0392b", label="hit rate of inspections")
    for bar, row in zip(bars, rows, strict=True):
        axes.annotate(f"{row.hits}/{row.inspections}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=8)  # fmt: skip
    total = report.total
    if total.non_compliance_estimate is not None and total.non_compliance_low is not None:
        low, high = 100 * total.non_compliance_low, 100 * (total.non_compliance_high or 0)
        axes.axhspan(low, high, color="#2980b9", alpha=0.2, label="estimated non-compliance, 95% interval")
        axes.axhline(100 * total.non_compliance_estimate, color="#2980b9", label="estimated non-compliance")
    axes.set_ylabel("hit rate (%)")
    axes.set_xlabel(report.group_by.value)
    axes.set_title(f"Inspection hit rate by {report.group_by.value}, {report.period_from} to {report.period_to}")
    axes.tick_params(axis="x", labelrotation=45 if len(rows) > 6 else 0)
    axes.set_ylim(0, max([*rates, 100 * (total.non_compliance_high or 0)], default=0) * 1.15 or 1)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    return _save(figure, fmt)


def time_release_chart(report: TimeReleaseReport, fmt: ChartFormat = "svg") -> bytes:
    """Mean hours of the consecutive stages, stacked per group in arrival-to-release order, with the target."""
    rows = sorted(report.groups, key=lambda row: row.declarations, reverse=True)[:MAX_CHART_GROUPS]
    rows.sort(key=lambda row: row.group, reverse=True)
    figure, axes = plt.subplots(figsize=(9, 0.6 * max(len(rows), 3) + 1.8), layout="constrained")
    names = [row.group for row in rows]
    sequence = ["arrival_to_lodgement", "lodgement_to_decision", "decision_to_release"]
    left = [0.0] * len(rows)
    colours = ["#95a5a6", "#2980b9", "#e67e22"]
    for stage, colour in zip(sequence, colours, strict=True):
        means = [next((s.mean_hours or 0 for s in row.stages if s.stage == stage), 0.0) for row in rows]
        axes.barh(names, means, left=left, color=colour, label=stage.replace("_", " ") + " (mean)")
        left = [a + b for a, b in zip(left, means, strict=True)]
    for index, row in enumerate(rows):
        share = "-" if row.share_within_target is None else f"{100 * row.share_within_target:.0f}%"
        largest = (row.largest_stage or "-").replace("_", " ")
        axes.annotate(f" {share} within target; largest: {largest}", (left[index], index), va="center", fontsize=8)
    axes.axvline(report.target_hours, color="#c0392b", linestyle="--", label=f"target {report.target_hours:g} h")
    axes.set_xlabel("hours")
    axes.set_xlim(0, max([*left, report.target_hours]) * 1.6 or 1)
    axes.set_title(f"Time release by {report.group_by.value}, {report.period_from} to {report.period_to}")
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, frameon=False)
    return _save(figure, fmt)


def _save(figure: Figure, fmt: ChartFormat) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
    return out.getvalue()
