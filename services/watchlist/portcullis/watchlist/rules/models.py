"""The stored selectivity rule: the validated body, its version and how far publication got."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.shared.schemas.watchlist import RuleDocument
from portcullis.watchlist.db import Base, utc


class RuleRow(Base):
    """A selectivity rule; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "selectivity_rules"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    stream: Mapped[str] = mapped_column(String(16), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def document_dict(self) -> dict[str, Any]:
        """The published document as plain JSON data."""
        return {
            "type": "rule",
            "id": self.id,
            "version": self.version,
            "deleted": self.deleted_at is not None,
            "changed_by": self.changed_by,
            "changed_at": utc(self.changed_at).isoformat(),
            "rule": self.body,
        }

    def document(self) -> RuleDocument:
        """The validated document."""
        return RuleDocument.model_validate(self.document_dict())
