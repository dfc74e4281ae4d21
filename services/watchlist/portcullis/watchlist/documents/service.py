"""Versioned documents: get, list, create, replace, restore and soft-delete, each change audited (no commits here)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.watchlist.audit import AuditRow, ChangeAction, audit_values
from portcullis.watchlist.documents.kind import DocT, DocumentKind, RowT, SpecT
from portcullis.watchlist.errors import NotFoundError

_CHUNK = 1000


async def get_document(
    session: AsyncSession, kind: DocumentKind[RowT, SpecT, DocT], document_id: str, include_deleted: bool = False
) -> DocT:
    """The document with this id; NotFoundError if there is none (or it was deleted)."""
    row = await session.get(kind.row_type, document_id)
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"no {kind.label} {document_id!r}")
    return kind.document(row)


async def get_documents(
    session: AsyncSession, kind: DocumentKind[RowT, SpecT, DocT], document_ids: Sequence[str]
) -> list[DocT]:
    """The current documents with these ids (deleted ones included)."""
    documents: list[DocT] = []
    for start in range(0, len(document_ids), _CHUNK):
        chunk = document_ids[start : start + _CHUNK]
        rows = await session.scalars(select(kind.row_type).where(kind.row_type.id.in_(chunk)))
        documents.extend(kind.document(row) for row in rows)
    return documents


async def list_documents(
    session: AsyncSession,
    kind: DocumentKind[RowT, SpecT, DocT],
    filters: Sequence[ColumnElement[bool]],
    include_deleted: bool,
    after: str | None,
    limit: int,
) -> tuple[list[DocT], str | None]:
    """A page of documents ordered by id, and the id to continue after (None on the last page)."""
    row_type = kind.row_type
    query = select(row_type).where(*filters).order_by(row_type.id).limit(limit + 1)
    if not include_deleted:
        query = query.where(row_type.deleted_at.is_(None))
    if after is not None:
        query = query.where(row_type.id > after)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return [kind.document(row) for row in rows], rows[-1].id if more else None


async def put_document(
    session: AsyncSession, kind: DocumentKind[RowT, SpecT, DocT], document_id: str, spec: SpecT, changed_by: str
) -> tuple[DocT, ChangeAction | None]:
    """Create, replace or restore a document after its checks; an identical body changes nothing (action None)."""
    if kind.check is not None:
        kind.check(spec)
    row = await session.get(kind.row_type, document_id, with_for_update=True)
    body = spec.model_dump(mode="json")
    columns = kind.columns(spec)
    now = datetime.now(UTC)
    if row is None:
        row = kind.row_type(
            id=document_id,
            body=body,
            version=1,
            published_version=0,
            deleted_at=None,
            changed_by=changed_by,
            changed_at=now,
            **columns,
        )
        session.add(row)
        await _audit(session, row, "create", None)
        return kind.document(row), "create"
    if row.deleted_at is None and row.body == body:
        return kind.document(row), None
    before = row.document_dict()
    action: ChangeAction = "restore" if row.deleted_at is not None else "update"
    for column, value in columns.items():
        setattr(row, column, value)
    row.body, row.deleted_at = body, None
    _bump(row, changed_by, now)
    await _audit(session, row, action, before)
    return kind.document(row), action


async def delete_document(
    session: AsyncSession, kind: DocumentKind[RowT, SpecT, DocT], document_id: str, changed_by: str
) -> DocT:
    """Soft-delete a document: it stops applying, stays in the audit trail and is published as deleted."""
    row = await session.get(kind.row_type, document_id, with_for_update=True)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no {kind.label} {document_id!r}")
    before = row.document_dict()
    now = datetime.now(UTC)
    row.deleted_at = now
    _bump(row, changed_by, now)
    await _audit(session, row, "delete", before)
    return kind.document(row)


def _bump(row: RowT, changed_by: str, now: datetime) -> None:
    row.version += 1
    row.changed_by = changed_by
    row.changed_at = now


async def _audit(session: AsyncSession, row: RowT, action: ChangeAction, before: dict[str, Any] | None) -> None:
    await session.flush()
    values = audit_values(
        row.document_name, row.id, row.version, action, before, row.document_dict(), row.changed_by, row.changed_at
    )
    await session.execute(insert(AuditRow), [values])
