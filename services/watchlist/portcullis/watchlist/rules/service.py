"""Selectivity rules as a kind of versioned document (checked by the rule validator), the field catalogue, dry runs."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.http import FieldError
from portcullis.shared.rules import OPERATORS, STREAM_FIELDS, RuleValidationError, compile_rule
from portcullis.shared.schemas import Declaration, Stream
from portcullis.shared.schemas.watchlist import RuleDocument, RuleSpec
from portcullis.shared.streams import CATALOGUE
from portcullis.watchlist.documents.kind import DocumentKind
from portcullis.watchlist.documents.service import get_document
from portcullis.watchlist.errors import InputError
from portcullis.watchlist.rules.models import RuleRow
from portcullis.watchlist.rules.schemas import DryRunAnswer, DryRunRequest, DryRunResult, FieldInfo


def new_rule_id() -> str:
    """A fresh rule id."""
    return f"rule-{uuid.uuid4().hex[:10]}"


def check_rule(spec: RuleSpec, prefix: str = "") -> None:
    """Raise InputError naming every field of the rule that its stream cannot evaluate."""
    try:
        compile_rule("check", 1, spec)
    except RuleValidationError as error:
        raise InputError([FieldError(field=prefix + p.field, reason=p.reason) for p in error.problems]) from error


def field_catalogue(stream: Stream) -> list[FieldInfo]:
    """The fields rules on a stream can test, with their operators."""
    return [
        FieldInfo(
            name=spec.name,
            type=spec.type,
            level="item" if spec.item_level else "header",
            operators=sorted(OPERATORS[spec.type]),
            description=spec.description,
        )
        for spec in STREAM_FIELDS[stream].values()
    ]


def _columns(spec: RuleSpec) -> dict[str, Any]:
    return {"stream": spec.stream}


#: Rules compile through the shared rule validator before they are saved.
RULES: DocumentKind[RuleRow, RuleSpec, RuleDocument] = DocumentKind(
    label="rule", row_type=RuleRow, document_type=RuleDocument, new_id=new_rule_id, columns=_columns, check=check_rule
)


async def dry_run(session: AsyncSession, request: DryRunRequest) -> DryRunAnswer:
    """Evaluate a saved or unsaved rule on samples of its stream, ignoring its validity window."""
    rule_id, spec = request.rule_id, request.rule
    if spec is None:
        assert rule_id is not None
        document = await get_document(session, RULES, rule_id)
        spec, version = document.rule, document.version
    else:
        check_rule(spec, prefix="rule.")
        version = 0
    samples = request.samples(spec.stream)
    if not samples:
        field = CATALOGUE.of(spec.stream).name
        raise InputError([FieldError(field=field, reason=f"the rule is on the {spec.stream} stream: give {field}")])
    compiled = compile_rule(rule_id or "unsaved", version, spec)
    results = []
    for sample in samples:
        items = compiled.matching_items(sample)
        declaration_id = sample.declaration_id if isinstance(sample, Declaration) else None
        subject_id = CATALOGUE.of(spec.stream).subject_id(sample)
        results.append(
            DryRunResult(declaration_id=declaration_id, subject_id=subject_id, matched=bool(items), items=list(items))
        )
    return DryRunAnswer(
        rule_id=rule_id,
        in_force_now=compiled.in_force(datetime.now(UTC)),
        action=spec.action,
        reason=spec.reason,
        matched=sum(r.matched for r in results),
        total=len(results),
        results=results,
    )
