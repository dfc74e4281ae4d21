"""The stored watchlist entry: the validated body, its version and how far publication got."""

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.shared.schemas.watchlist import EntryDocument
from portcullis.watchlist.db import Base, VersionedDocumentColumns


class EntryRow(VersionedDocumentColumns, Base):
    """A watchlist entry; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "watchlist_entries"

    kind: Mapped[str] = mapped_column(String(24), index=True)
    list_name: Mapped[str] = mapped_column(String(80), index=True)

    def document_dict(self) -> dict[str, Any]:
        """The published document as plain JSON data."""
        return self.published_dict("entry")

    def document(self) -> EntryDocument:
        """The validated document."""
        return EntryDocument.model_validate(self.document_dict())
