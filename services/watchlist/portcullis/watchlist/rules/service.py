"""Selectivity rules: validated against their stream's fields when saved, versioned, audited (no commits here)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.http import FieldError
from portcullis.shared.rules import OPERATORS, STREAM_FIELDS, RuleValidationError, compile_rule
from portcullis.shared.schemas import Declaration, Stream
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import RuleDocument, RuleSpec
from portcullis.watchlist.audit import AuditRow, ChangeAction, audit_values
from portcullis.watchlist.errors import InputError, NotFoundError
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


async def get_rule(session: AsyncSession, rule_id: str, include_deleted: bool = False) -> RuleDocument:
    """The rule with this id; NotFoundError if there is none (or it was deleted)."""
    row = await session.get(RuleRow, rule_id)
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"no rule {rule_id!r}")
    return row.document()


async def list_rules(
    session: AsyncSession, include_deleted: bool, after: str | None, limit: int
) -> tuple[list[RuleDocument], str | None]:
    """A page of rules ordered by id, and the id to continue after."""
    query = select(RuleRow).order_by(RuleRow.id).limit(limit + 1)
    if not include_deleted:
        query = query.where(RuleRow.deleted_at.is_(None))
    if after is not None:
        query = query.where(RuleRow.id > after)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return [row.document() for row in rows], rows[-1].id if more else None


async def put_rule(
    session: AsyncSession, rule_id: str, spec: RuleSpec, changed_by: str
) -> tuple[RuleDocument, ChangeAction | None]:
    """Create, replace or restore a rule after validating it; an identical body changes nothing."""
    check_rule(spec)
    row = await session.get(RuleRow, rule_id, with_for_update=True)
    body = spec.model_dump(mode="json")
    now = datetime.now(UTC)
    if row is None:
        row = RuleRow(
            id=rule_id,
            stream=spec.stream,
            body=body,
            version=1,
            published_version=0,
            deleted_at=None,
            changed_by=changed_by,
            changed_at=now,
        )
        session.add(row)
        await _audit(session, row, "create", None)
        return row.document(), "create"
    if row.deleted_at is None and row.body == body:
        return row.document(), None
    before = row.document_dict()
    action: ChangeAction = "restore" if row.deleted_at is not None else "update"
    row.stream, row.body, row.deleted_at = spec.stream, body, None
    _bump(row, changed_by, now)
    await _audit(session, row, action, before)
    return row.document(), action


async def delete_rule(session: AsyncSession, rule_id: str, changed_by: str) -> RuleDocument:
    """Soft-delete a rule: it stops applying and stays in the audit trail."""
    row = await session.get(RuleRow, rule_id, with_for_update=True)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no rule {rule_id!r}")
    before = row.document_dict()
    now = datetime.now(UTC)
    row.deleted_at = now
    _bump(row, changed_by, now)
    await _audit(session, row, "delete", before)
    return row.document()


async def dry_run(session: AsyncSession, request: DryRunRequest) -> DryRunAnswer:
    """Evaluate a saved or unsaved rule on samples of its stream, ignoring its validity window."""
    rule_id, spec = request.rule_id, request.rule
    if spec is None:
        assert rule_id is not None
        document = await get_rule(session, rule_id)
        spec, version = document.rule, document.version
    else:
        check_rule(spec, prefix="rule.")
        version = 0
    samples = request.samples(spec.stream)
    if not samples:
        field = {Stream.PASSENGER: "passengers", Stream.CONTAINER: "containers"}.get(spec.stream, "declarations")
        raise InputError([FieldError(field=field, reason=f"the rule is on the {spec.stream} stream: give {field}")])
    compiled = compile_rule(rule_id or "unsaved", version, spec)
    results = []
    for sample in samples:
        items = compiled.matching_items(sample)
        declaration_id = sample.declaration_id if isinstance(sample, Declaration) else None
        subject_id = _subject_id(sample)
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


def _subject_id(sample: Declaration | PassengerRecord | ContainerEvent) -> str:
    if isinstance(sample, Declaration):
        return sample.declaration_id
    return sample.record_id if isinstance(sample, PassengerRecord) else sample.event_id


def _bump(row: RuleRow, changed_by: str, now: datetime) -> None:
    row.version += 1
    row.changed_by = changed_by
    row.changed_at = now


async def _audit(session: AsyncSession, row: RuleRow, action: ChangeAction, before: dict[str, Any] | None) -> None:
    await session.flush()
    values = audit_values(
        "rule", row.id, row.version, action, before, row.document_dict(), row.changed_by, row.changed_at
    )
    await session.execute(insert(AuditRow), [values])
