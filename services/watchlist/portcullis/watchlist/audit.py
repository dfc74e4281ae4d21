"""The audit trail: one row per change of an entry or rule, with the document before and after."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.watchlist.db import Base, DocumentName, utc

Subject = DocumentName
ChangeAction = Literal["create", "update", "delete", "restore"]


class AuditRow(Base):
    """One change: who, when, what it was before and after."""

    __tablename__ = "watchlist_audit"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(8), default="entry")
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRecord(BaseModel):
    """A change as the audit API shows it."""

    version: int | None
    action: ChangeAction
    changed_by: str
    changed_at: AwareDatetime
    changed_fields: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_values(
    subject: Subject,
    document_id: str,
    version: int,
    action: ChangeAction,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    changed_by: str,
    changed_at: datetime,
) -> dict[str, Any]:
    """The column values of one audit row (for single and bulk inserts)."""
    return {
        "subject": subject,
        "entry_id": document_id,
        "version": version,
        "action": action,
        "before": before,
        "after": after,
        "changed_by": changed_by,
        "changed_at": changed_at,
    }


async def audit_trail(session: AsyncSession, subject: Subject, document_id: str) -> list[AuditRecord]:
    """Every change of one entry or rule, oldest first."""
    rows = await session.scalars(
        select(AuditRow).where(AuditRow.subject == subject, AuditRow.entry_id == document_id).order_by(AuditRow.id)
    )
    return [
        AuditRecord(
            version=row.version,
            action=row.action,
            changed_by=row.changed_by,
            changed_at=utc(row.changed_at),
            changed_fields=_changed_fields(row.before, row.after),
            before=row.before,
            after=row.after,
        )
        for row in rows
    ]


def _changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Top-level fields of the entry or rule body that differ (`deleted` for deletions and restorations)."""
    if before is None or after is None:
        return []
    changed = ["deleted"] if before.get("deleted") != after.get("deleted") else []
    body_key = "entry" if "entry" in after else "rule"
    old, new = before.get(body_key) or {}, after.get(body_key) or {}
    changed.extend(key for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key))
    return changed
