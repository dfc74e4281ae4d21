"""HTTP routes of selectivity rules: CRUD, the field catalogue, the audit trail and the dry run."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.watchlist import DocumentId, RuleDocument, RuleSpec
from portcullis.watchlist.audit import AuditRecord, audit_trail
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.deps import UnitOfWorkDep, UserDep
from portcullis.watchlist.examples import CREATED_OR_REPLACED, DRY_RUN_EXAMPLES, NOT_FOUND, RULE_EXAMPLES
from portcullis.watchlist.rules import service
from portcullis.watchlist.rules.schemas import DryRunAnswer, DryRunRequest, FieldInfo, RulePage

router = APIRouter(tags=["selectivity rules"])
RuleBody = Annotated[RuleSpec, Body(openapi_examples=RULE_EXAMPLES)]


@router.get("/v1/rules/fields", summary="Fields rules can test")
async def rule_fields(stream: Stream = Stream.DECLARATION) -> list[FieldInfo]:
    """The field catalogue of a stream: name, type, header or item level, operators."""
    return service.field_catalogue(stream)


@router.post(
    "/v1/rules/dry-run", responses=NOT_FOUND, summary="Try a rule on sample declarations, passengers or containers"
)
async def dry_run(
    request: Annotated[DryRunRequest, Body(openapi_examples=DRY_RUN_EXAMPLES)], session: SessionDep
) -> DryRunAnswer:
    """Evaluate a saved (`rule_id`) or unsaved (`rule`) rule on samples of its stream in the body; stores nothing."""
    return await service.dry_run(session, request)


@router.post("/v1/rules", status_code=status.HTTP_201_CREATED, summary="Create a rule")
async def create_rule(spec: RuleBody, user: UserDep, work: UnitOfWorkDep) -> RuleDocument:
    """Save a rule after validating its fields and operators; scoring applies it within a second."""
    document, _ = await service.put_rule(work.session, service.new_rule_id(), spec, user)
    await work.commit_rules([document])
    return document


@router.get("/v1/rules", summary="List rules")
async def list_rules(
    session: SessionDep,
    include_deleted: bool = False,
    after: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> RulePage:
    """Rules ordered by id, a page at a time."""
    items, next_after = await service.list_rules(session, include_deleted, after, limit)
    return RulePage(items=items, next_after=next_after)


@router.get("/v1/rules/{rule_id}", responses=NOT_FOUND, summary="Get a rule")
async def get_rule(rule_id: DocumentId, session: SessionDep, include_deleted: bool = False) -> RuleDocument:
    """One rule (404 once deleted, unless include_deleted)."""
    return await service.get_rule(session, rule_id, include_deleted)


@router.put("/v1/rules/{rule_id}", responses=CREATED_OR_REPLACED, summary="Create or replace a rule")
async def put_rule(
    rule_id: DocumentId, spec: RuleBody, user: UserDep, work: UnitOfWorkDep, response: Response
) -> RuleDocument:
    """Create (201), replace or restore (200) a rule under a chosen id; an identical body changes nothing."""
    document, action = await service.put_rule(work.session, rule_id, spec, user)
    await work.commit_rules([document] if action else [])
    if action == "create":
        response.status_code = status.HTTP_201_CREATED
    return document


@router.delete("/v1/rules/{rule_id}", responses=NOT_FOUND, summary="Delete a rule")
async def delete_rule(rule_id: DocumentId, user: UserDep, work: UnitOfWorkDep) -> RuleDocument:
    """Soft-delete: the rule stops applying; it stays in the audit trail."""
    document = await service.delete_rule(work.session, rule_id, user)
    await work.commit_rules([document])
    return document


@router.get("/v1/rules/{rule_id}/audit", responses=NOT_FOUND, summary="Audit trail of a rule")
async def rule_audit(rule_id: DocumentId, session: SessionDep) -> list[AuditRecord]:
    """Every change of the rule, oldest first, with the document before and after."""
    records = await audit_trail(session, "rule", rule_id)
    if not records:
        await service.get_rule(session, rule_id, include_deleted=True)
    return records
