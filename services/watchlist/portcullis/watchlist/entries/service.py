"""Watchlist entries: create, replace, soft-delete and list, each change versioned and audited (no commits here)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.schemas.watchlist import EntryDocument, EntrySpec
from portcullis.watchlist.audit import AuditRow, ChangeAction, audit_values
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.errors import NotFoundError


def new_entry_id() -> str:
    """A fresh entry id."""
    return f"wl-{uuid.uuid4().hex[:12]}"


async def get_entry(session: AsyncSession, entry_id: str, include_deleted: bool = False) -> EntryDocument:
    """The entry with this id; NotFoundError if there is none (or it was deleted)."""
    row = await session.get(EntryRow, entry_id)
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"no watchlist entry {entry_id!r}")
    return row.document()


async def list_entries(
    session: AsyncSession,
    list_name: str | None,
    kind: str | None,
    include_deleted: bool,
    after: str | None,
    limit: int,
) -> tuple[list[EntryDocument], str | None]:
    """A page of entries ordered by id, and the id to continue after (None on the last page)."""
    query = select(EntryRow).order_by(EntryRow.id).limit(limit + 1)
    if list_name is not None:
        query = query.where(EntryRow.list_name == list_name)
    if kind is not None:
        query = query.where(EntryRow.kind == kind)
    if not include_deleted:
        query = query.where(EntryRow.deleted_at.is_(None))
    if after is not None:
        query = query.where(EntryRow.id > after)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return [row.document() for row in rows], rows[-1].id if more else None


async def put_entry(
    session: AsyncSession, entry_id: str, spec: EntrySpec, changed_by: str
) -> tuple[EntryDocument, ChangeAction | None]:
    """Create, replace or restore an entry; an identical body changes nothing (the action is then None)."""
    row = await session.get(EntryRow, entry_id, with_for_update=True)
    body = spec.model_dump(mode="json")
    now = datetime.now(UTC)
    if row is None:
        row = EntryRow(
            id=entry_id,
            kind=spec.kind,
            list_name=spec.list_name,
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
    row.kind, row.list_name, row.body = spec.kind, spec.list_name, body
    row.deleted_at = None
    _bump(row, changed_by, now)
    await _audit(session, row, action, before)
    return row.document(), action


async def delete_entry(session: AsyncSession, entry_id: str, changed_by: str) -> EntryDocument:
    """Soft-delete an entry: it stops matching, stays in the audit trail and is published as deleted."""
    row = await session.get(EntryRow, entry_id, with_for_update=True)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no watchlist entry {entry_id!r}")
    before = row.document_dict()
    now = datetime.now(UTC)
    row.deleted_at = now
    _bump(row, changed_by, now)
    await _audit(session, row, "delete", before)
    return row.document()


def _bump(row: EntryRow, changed_by: str, now: datetime) -> None:
    row.version += 1
    row.changed_by = changed_by
    row.changed_at = now


async def _audit(session: AsyncSession, row: EntryRow, action: ChangeAction, before: dict[str, Any] | None) -> None:
    await session.flush()
    values = audit_values(
        "entry", row.id, row.version, action, before, row.document_dict(), row.changed_by, row.changed_at
    )
    await session.execute(insert(AuditRow), [values])


async def get_entries(session: AsyncSession, entry_ids: list[str]) -> list[EntryDocument]:
    """The current documents of these entries (deleted ones included)."""
    documents: list[EntryDocument] = []
    for start in range(0, len(entry_ids), 1000):
        rows = await session.scalars(select(EntryRow).where(EntryRow.id.in_(entry_ids[start : start + 1000])))
        documents.extend(row.document() for row in rows)
    return documents
