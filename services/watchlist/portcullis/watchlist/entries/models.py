"""The stored watchlist entry: the validated body, its version and how far publication got."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.shared.schemas.watchlist import EntryDocument
from portcullis.watchlist.db import Base, utc


class EntryRow(Base):
    """A watchlist entry; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "watchlist_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    list_name: Mapped[str] = mapped_column(String(80), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def document_dict(self) -> dict[str, Any]:
        """The published document as plain JSON data (bodies were validated when written)."""
        return {
            "type": "entry",
            "id": self.id,
            "version": self.version,
            "deleted": self.deleted_at is not None,
            "changed_by": self.changed_by,
            "changed_at": utc(self.changed_at).isoformat(),
            "entry": self.body,
        }

    def document(self) -> EntryDocument:
        """The validated document."""
        return EntryDocument.model_validate(self.document_dict())
