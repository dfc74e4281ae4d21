"""`POST /v1/mirror/comtrade` (analysts) loads partner statistics; `GET /v1/reports/mirror` compares them with the
declarations (JSON, CSV or a chart, for readers and analysts like the other reports)."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from portcullis.analytics.deps import INVALID, LayoutDep, PeriodDep, SettingsDep, unprocessable
from portcullis.analytics.mirror.comtrade import ComtradeFileError, parse_comtrade
from portcullis.analytics.mirror.gaps import GapPublisher
from portcullis.analytics.mirror.rates import RateTableError, load_rates
from portcullis.analytics.mirror.render import mirror_chart, mirror_csv
from portcullis.analytics.mirror.report import MirrorGroup, MirrorReport, mirror_report
from portcullis.analytics.mirror.store import MirrorStore
from portcullis.analytics.reports.routes import FormatQuery, ReportFormat
from portcullis.analytics.store.reader import connect
from portcullis.shared.http import JSONBody
from portcullis.shared.kafka import PublishError
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

imports = APIRouter(prefix="/v1/mirror", tags=["mirror"])
reports = APIRouter(prefix="/v1/reports", tags=["reports"])


class ImportAnswer(BaseModel):
    """What an import changed: a second import of the same file adds and changes nothing."""

    format: str
    records: int = Field(description="Records in the file")
    added: int
    changed: int = Field(description="Records of the same key (reporter, partner, period, HS6, flow) replaced")
    unchanged: int
    stored: int = Field(description="Records in the mirror dataset now")
    gaps_version: str | None = Field(
        default=None,
        description="The gap table published to scoring after this import (`mirror-gaps`); null when the import "
        "changed nothing or there is nothing to compare yet",
    )
    gap_pairs: int = Field(default=0, description="Origin x HS6 pairs of that table")


class LineError(BaseModel):
    """A refused line of the file."""

    line: int
    field: str
    reason: str


class ImportRefusal(BaseModel):
    """Every error found (up to 100); nothing of the file was loaded."""

    detail: list[LineError]


@imports.post(
    "/comtrade",
    response_model=ImportAnswer,
    summary="Load partner countries' trade records from a UN Comtrade CSV file (the request body)",
    responses={
        413: {"description": "The file is larger than the service takes"},
        422: {"model": ImportRefusal, "description": "A line is invalid: each line, field and reason; none loaded"},
    },
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
)
async def import_comtrade(request: Request, settings: SettingsDep) -> Response:
    """Validate the whole file, then merge its records into the mirror dataset by key."""
    limit = settings.mirror.max_import_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, detail=[{"field": "body", "reason": f"the file is over {limit} bytes"}])
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise unprocessable("body", "not UTF-8 text") from None
    store = MirrorStore.beside(settings.store_path)

    def load() -> ImportAnswer:
        records = parse_comtrade(text)
        result = store.merge(records)
        return ImportAnswer(
            format="comtrade",
            records=len(records),
            added=result.added,
            changed=result.changed,
            unchanged=result.unchanged,
            stored=result.total,
        )

    try:
        answer = await asyncio.to_thread(load)
    except ComtradeFileError as refused:
        log.info("mirror_import_refused", errors=len(refused.errors), first_line=refused.errors[0].line)
        body = ImportRefusal(detail=[LineError(line=e.line, field=e.field, reason=e.reason) for e in refused.errors])
        return JSONBody(body.model_dump(), status_code=422)
    log.info("mirror_imported", records=answer.records, added=answer.added, changed=answer.changed)
    gaps: GapPublisher | None = request.app.state.mirror_gaps
    if gaps is not None and (answer.added or answer.changed):
        try:
            table = await gaps.publish()
        except (RateTableError, OSError, PublishError) as error:
            # The import itself is stored; the table goes out with the next scheduled publication.
            log.error("mirror_gaps_not_published", error=type(error).__name__)
        else:
            if table is not None:
                answer = answer.model_copy(update={"gaps_version": table.version, "gap_pairs": len(table.gaps)})
    return JSONBody(answer.model_dump())


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
_MEDIA_TYPES = {ReportFormat.CSV: "text/csv; charset=utf-8", ReportFormat.SVG: "image/svg+xml",
                ReportFormat.PNG: "image/png"}  # fmt: skip


@reports.get(
    "/mirror",
    response_model=MirrorReport,
    responses=_FORMATS,
    summary="Mirror analysis: partners' exports to us against declared imports per HS6 x origin, ranked by a score",
)
async def get_mirror(
    period: PeriodDep,
    layout: LayoutDep,
    settings: SettingsDep,
    group_by: Annotated[MirrorGroup, Query(description="pair (HS6 x origin) or period (x partner period)")] = (
        MirrorGroup.PAIR
    ),
    cif_fob_factor: Annotated[
        float | None, Query(ge=1.0, le=2.0, description="CIF/FOB factor (default: the service's, 1.10)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="Rows answered, highest score first")] = 50,
    format: FormatQuery = ReportFormat.JSON,
) -> Response:
    """The mirror report of the period."""
    mirror = settings.mirror
    store = MirrorStore.beside(settings.store_path)

    def compute() -> MirrorReport:
        rates = load_rates(mirror.rates_path, mirror.declared_currency)
        with connect(layout) as connection:
            return mirror_report(
                connection,
                store,
                period,
                group_by,
                country=mirror.country,
                rates=rates,
                cif_fob_factor=cif_fob_factor or mirror.cif_fob_factor,
                limit=limit,
                drill_down=mirror.drill_down,
            )

    try:
        report = await asyncio.to_thread(compute)
    except (RateTableError, OSError) as error:
        log.error("mirror_rates_unreadable", error=type(error).__name__)
        raise HTTPException(503, detail=[{"field": "rates", "reason": "the rate table cannot be read"}]) from None
    if format is ReportFormat.CSV:
        return Response(mirror_csv(report), media_type=_MEDIA_TYPES[format])
    if format in (ReportFormat.SVG, ReportFormat.PNG):
        chart = await asyncio.to_thread(mirror_chart, report, "png" if format is ReportFormat.PNG else "svg")
        return Response(chart, media_type=_MEDIA_TYPES[format])
    return JSONBody(report.model_dump(mode="json", by_alias=True))
