"""HTTP routes of selectivity rules: the field catalogue, the dry run, and the document routes (CRUD, audit trail)."""

from typing import Annotated

from fastapi import APIRouter, Body

from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.watchlist import DocumentId, RuleSpec
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.documents.routes import DocumentApi, document_router
from portcullis.watchlist.examples import DRY_RUN_EXAMPLES, NOT_FOUND, RULE_EXAMPLES
from portcullis.watchlist.rules import service
from portcullis.watchlist.rules.schemas import DryRunAnswer, DryRunRequest, FieldInfo, RulePage
from portcullis.watchlist.rules.service import RULES

router = APIRouter(tags=["selectivity rules"])


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


async def _rule_id(rule_id: DocumentId) -> str:
    return rule_id


async def _rule_body(spec: Annotated[RuleSpec, Body(openapi_examples=RULE_EXAMPLES)]) -> RuleSpec:
    return spec


RULE_API = DocumentApi(
    kind=RULES,
    path="/v1/rules",
    id_name="rule_id",
    id_param=_rule_id,
    body=_rule_body,
    page_type=RulePage,
    noun="rule",
    a_noun="a rule",
    plural="rules",
    create_description="Save a rule after validating its fields and operators; scoring applies it within a second.",
    deleted_effect="stops applying",
)

# After the routes above: `/v1/rules/fields` and `/v1/rules/dry-run` are not rule ids.
router.include_router(document_router(RULE_API))
