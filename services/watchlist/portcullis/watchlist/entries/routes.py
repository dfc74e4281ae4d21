"""HTTP routes of watchlist entries, the OFAC SDN import and name screening."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query

from portcullis.shared.schemas.watchlist import DocumentId, EntrySpec
from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, ScreeningQuery
from portcullis.watchlist.deps import ScreeningDep, UnitOfWorkDep, UserDep
from portcullis.watchlist.documents.routes import DocumentApi, Filters, document_router
from portcullis.watchlist.documents.service import get_documents
from portcullis.watchlist.entries.imports import OFAC_PREFIX
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.entries.schemas import (
    EntryPage,
    ImportResult,
    OfacImportRequest,
    ScreeningAnswer,
    ScreeningMatch,
)
from portcullis.watchlist.entries.service import ENTRIES
from portcullis.watchlist.examples import ENTRY_EXAMPLES, OFAC_IMPORT_EXAMPLES
from portcullis.watchlist.sources.catalogue import SOURCES
from portcullis.watchlist.sources.service import refresh_source


async def _entry_id(entry_id: DocumentId) -> str:
    return entry_id


async def _entry_body(spec: Annotated[EntrySpec, Body(openapi_examples=ENTRY_EXAMPLES)]) -> EntrySpec:
    return spec


async def _entry_filters(
    list_name: str | None = None,
    kind: Literal["person", "organization", "vessel", "aircraft", "container", "trader"] | None = None,
) -> Filters:
    filters: Filters = []
    if list_name is not None:
        filters.append(EntryRow.list_name == list_name)
    if kind is not None:
        filters.append(EntryRow.kind == kind)
    return filters


ENTRY_API = DocumentApi(
    kind=ENTRIES,
    path="/v1/watchlist/entries",
    id_name="entry_id",
    id_param=_entry_id,
    body=_entry_body,
    filters=_entry_filters,
    page_type=EntryPage,
    noun="entry",
    a_noun="an entry",
    plural="entries",
    create_description="List a person, organisation, vessel, container or trader id;"
    " scoring applies it within a second.",
    deleted_effect="stops matching",
)

router = APIRouter(tags=["watchlist entries"])
router.include_router(document_router(ENTRY_API))


@router.post("/v1/watchlist/imports/ofac-sdn", summary="Import the OFAC SDN list")
async def import_ofac(
    request: Annotated[OfacImportRequest, Body(openapi_examples=OFAC_IMPORT_EXAMPLES)],
    user: UserDep,
    work: UnitOfWorkDep,
) -> ImportResult:
    """Bring the `OFAC SDN` list in line with sdn.csv and alt.csv: add, change, soft-delete; idempotent.
    The same as refreshing the source `ofac-sdn` (POST /v1/watchlist/sources/ofac-sdn/refresh)."""
    files = {"sdn.csv": request.sdn_csv, "alt.csv": request.alt_csv}
    result, outcome = await refresh_source(work.session, SOURCES[OFAC_PREFIX], files, None, request.action, user)
    changed = await get_documents(work.session, ENTRIES, outcome.changed_ids)
    await work.commit(changed)
    return ImportResult.model_validate(result.model_dump(include=set(ImportResult.model_fields)))


@router.get("/v1/screen", summary="Screen a name against the watchlists")
async def screen(
    screening: ScreeningDep,
    name: str = Query(default="", max_length=300),
    dob: date | None = None,
    country: str | None = Query(default=None, min_length=2, max_length=2),
    schema: Literal["Person", "Organization", "Vessel"] | None = None,
    imo: str | None = Query(default=None, max_length=12),
    container_number: str | None = Query(default=None, max_length=16),
    document_number: str | None = Query(default=None, max_length=40),
    threshold: float = Query(default=DEFAULT_MATCH_THRESHOLD, ge=0.5, le=1.0),
    limit: int = Query(default=10, ge=1, le=100),
) -> ScreeningAnswer:
    """Ranked matches among the entries in force, with the evidence for each."""
    query = ScreeningQuery(
        name=name,
        schema=schema,
        dob=dob,
        country=country.upper() if country else None,
        document_number=document_number,
        imo=imo,
        container_number=container_number,
    )
    hits = await screening.screen(query, datetime.now(UTC), limit, threshold)
    matches = [
        ScreeningMatch(
            entry_id=hit.document.id,
            list_name=hit.document.entry.list_name,
            kind=hit.document.entry.kind,
            name=hit.match.entry.name,
            matched_name=hit.match.matched_name,
            score=hit.match.score,
            evidence=hit.match.evidence,
            reason=hit.document.entry.reason,
            action=hit.document.entry.action,
        )
        for hit in hits
    ]
    return ScreeningAnswer.model_validate({"schema": schema, "threshold": threshold, "matches": matches})
