"""The stored selectivity rule: the validated body, its version and how far publication got."""

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.shared.schemas.watchlist import RuleDocument
from portcullis.watchlist.db import Base, VersionedDocumentColumns


class RuleRow(VersionedDocumentColumns, Base):
    """A selectivity rule; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "selectivity_rules"

    stream: Mapped[str] = mapped_column(String(16), index=True)

    def document_dict(self) -> dict[str, Any]:
        """The published document as plain JSON data."""
        return self.published_dict("rule")

    def document(self) -> RuleDocument:
        """The validated document."""
        return RuleDocument.model_validate(self.document_dict())
