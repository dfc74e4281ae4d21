"""The stored watchlist entry: the validated body, its version and how far publication got."""

from typing import ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.watchlist.db import Base, DocumentName, VersionedDocumentColumns


class EntryRow(VersionedDocumentColumns, Base):
    """A watchlist entry; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "watchlist_entries"
    document_name: ClassVar[DocumentName] = "entry"

    kind: Mapped[str] = mapped_column(String(24), index=True)
    list_name: Mapped[str] = mapped_column(String(80), index=True)
