"""`GET /v1/reports/performance` and `GET /v1/reports/time-release`: JSON, CSV or a chart."""

import asyncio
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from portcullis.analytics.deps import INVALID, LayoutDep, PeriodDep, SettingsDep
from portcullis.analytics.reports.performance import PerformanceGroup, PerformanceReport, performance_report
from portcullis.analytics.reports.render import (
    ChartFormat,
    performance_chart,
    performance_csv,
    time_release_chart,
    time_release_csv,
)
from portcullis.analytics.reports.time_release import TimeReleaseGroup, TimeReleaseReport, time_release_report
from portcullis.analytics.store.reader import connect
from portcullis.shared.http import JSONBody
from portcullis.shared.schemas import Stream

router = APIRouter(prefix="/v1/reports", tags=["reports"])


class ReportFormat(StrEnum):
    """How a report is answered."""

    JSON = "json"
    CSV = "csv"
    SVG = "svg"
    PNG = "png"


_MEDIA_TYPES = {
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.SVG: "image/svg+xml",
    ReportFormat.PNG: "image/png",
}
_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON by default; CSV, SVG or PNG as `format` asks",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "image/svg+xml": {"schema": {"type": "string"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    **INVALID,
}
FormatQuery = Annotated[ReportFormat, Query(description="json, csv, or a chart: svg or png")]


@router.get(
    "/performance",
    response_model=PerformanceReport,
    responses=_FORMATS,
    summary="Performance of selection: inspections, hits, revenue, seizures; random selection's estimate and lift",
)
async def get_performance(
    period: PeriodDep,
    layout: LayoutDep,
    group_by: Annotated[PerformanceGroup, Query(description="What to group by")] = PerformanceGroup.LANE,
    stream: Annotated[Stream, Query(description="The stream")] = Stream.DECLARATION,
    format: FormatQuery = ReportFormat.JSON,
) -> Response:
    """The performance report of the period."""

    def compute() -> PerformanceReport:
        with connect(layout) as connection:
            return performance_report(connection, period, group_by, stream.value)

    report = await asyncio.to_thread(compute)
    if format is ReportFormat.CSV:
        return Response(performance_csv(report), media_type=_MEDIA_TYPES[format])
    if format in (ReportFormat.SVG, ReportFormat.PNG):
        chart = await asyncio.to_thread(performance_chart, report, _chart_format(format))
        return Response(chart, media_type=_MEDIA_TYPES[format])
    return JSONBody(report.model_dump(mode="json", by_alias=True))


@router.get(
    "/time-release",
    response_model=TimeReleaseReport,
    responses=_FORMATS,
    summary="Time Release Study: per stage and end to end, count, mean, median, p90; share released within target",
)
async def get_time_release(
    period: PeriodDep,
    layout: LayoutDep,
    settings: SettingsDep,
    group_by: Annotated[TimeReleaseGroup, Query(description="What to group by")] = TimeReleaseGroup.LANE,
    target_hours: Annotated[
        float | None, Query(gt=0, le=24 * 365, description="Release target in hours (default: the service's)")
    ] = None,
    format: FormatQuery = ReportFormat.JSON,
) -> Response:
    """The time-release report of the period."""
    target = target_hours or settings.release_target_hours

    def compute() -> TimeReleaseReport:
        with connect(layout) as connection:
            return time_release_report(connection, period, group_by, target)

    report = await asyncio.to_thread(compute)
    if format is ReportFormat.CSV:
        return Response(time_release_csv(report), media_type=_MEDIA_TYPES[format])
    if format in (ReportFormat.SVG, ReportFormat.PNG):
        chart = await asyncio.to_thread(time_release_chart, report, _chart_format(format))
        return Response(chart, media_type=_MEDIA_TYPES[format])
    return JSONBody(report.model_dump(mode="json", by_alias=True))


def _chart_format(format: ReportFormat) -> ChartFormat:
    return "png" if format is ReportFormat.PNG else "svg"
