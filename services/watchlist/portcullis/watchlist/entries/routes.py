"""HTTP routes of watchlist entries, the OFAC SDN import and name screening."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response, status

from portcullis.shared.schemas.watchlist import DocumentId, EntryDocument, EntrySpec
from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, ScreeningQuery
from portcullis.watchlist.audit import AuditRecord, audit_trail
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.deps import ScreeningDep, UnitOfWorkDep, UserDep
from portcullis.watchlist.entries import service
from portcullis.watchlist.entries.imports import import_ofac_sdn
from portcullis.watchlist.entries.schemas import (
    EntryPage,
    ImportResult,
    OfacImportRequest,
    ScreeningAnswer,
    ScreeningMatch,
)
from portcullis.watchlist.examples import CREATED_OR_REPLACED, ENTRY_EXAMPLES, NOT_FOUND, OFAC_IMPORT_EXAMPLES

router = APIRouter(tags=["watchlist entries"])
EntryBody = Annotated[EntrySpec, Body(openapi_examples=ENTRY_EXAMPLES)]


@router.post("/v1/watchlist/entries", status_code=status.HTTP_201_CREATED, summary="Create an entry")
async def create_entry(spec: EntryBody, user: UserDep, work: UnitOfWorkDep) -> EntryDocument:
    """List a person, organisation, vessel, container or trader id; scoring applies it within a second."""
    document, _ = await service.put_entry(work.session, service.new_entry_id(), spec, user)
    await work.commit_entries([document])
    return document


@router.get("/v1/watchlist/entries", summary="List entries")
async def list_entries(
    session: SessionDep,
    list_name: str | None = None,
    kind: Literal["person", "organization", "vessel", "aircraft", "container", "trader"] | None = None,
    include_deleted: bool = False,
    after: str | None = Query(default=None, description="Continue after this id (the previous page's next_after)"),
    limit: int = Query(default=100, ge=1, le=1000),
) -> EntryPage:
    """Entries ordered by id, a page at a time."""
    items, next_after = await service.list_entries(session, list_name, kind, include_deleted, after, limit)
    return EntryPage(items=items, next_after=next_after)


@router.get("/v1/watchlist/entries/{entry_id}", responses=NOT_FOUND, summary="Get an entry")
async def get_entry(entry_id: DocumentId, session: SessionDep, include_deleted: bool = False) -> EntryDocument:
    """One entry (404 once deleted, unless include_deleted)."""
    return await service.get_entry(session, entry_id, include_deleted)


@router.put("/v1/watchlist/entries/{entry_id}", responses=CREATED_OR_REPLACED, summary="Create or replace an entry")
async def put_entry(
    entry_id: DocumentId, spec: EntryBody, user: UserDep, work: UnitOfWorkDep, response: Response
) -> EntryDocument:
    """Create (201), replace or restore (200) an entry under a chosen id; an identical body changes nothing."""
    document, action = await service.put_entry(work.session, entry_id, spec, user)
    await work.commit_entries([document] if action else [])
    if action == "create":
        response.status_code = status.HTTP_201_CREATED
    return document


@router.delete("/v1/watchlist/entries/{entry_id}", responses=NOT_FOUND, summary="Delete an entry")
async def delete_entry(entry_id: DocumentId, user: UserDep, work: UnitOfWorkDep) -> EntryDocument:
    """Soft-delete: the entry stops matching; it stays in the audit trail."""
    document = await service.delete_entry(work.session, entry_id, user)
    await work.commit_entries([document])
    return document


@router.get("/v1/watchlist/entries/{entry_id}/audit", responses=NOT_FOUND, summary="Audit trail of an entry")
async def entry_audit(entry_id: DocumentId, session: SessionDep) -> list[AuditRecord]:
    """Every change of the entry, oldest first, with the document before and after."""
    records = await audit_trail(session, "entry", entry_id)
    if not records:
        await service.get_entry(session, entry_id, include_deleted=True)  # 404 for an unknown id
    return records


@router.post("/v1/watchlist/imports/ofac-sdn", summary="Import the OFAC SDN list")
async def import_ofac(
    request: Annotated[OfacImportRequest, Body(openapi_examples=OFAC_IMPORT_EXAMPLES)],
    user: UserDep,
    work: UnitOfWorkDep,
) -> ImportResult:
    """Bring the `OFAC SDN` list in line with sdn.csv and alt.csv: add, change, soft-delete; idempotent."""
    outcome = await import_ofac_sdn(work.session, request.sdn_csv, request.alt_csv, request.action, user)
    await work.commit_entries(await service.get_entries(work.session, outcome.changed_ids))
    return outcome.result


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
