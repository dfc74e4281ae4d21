"""The stored selectivity rule: the validated body, its version and how far publication got."""

from typing import ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.watchlist.db import Base, DocumentName, VersionedDocumentColumns


class RuleRow(VersionedDocumentColumns, Base):
    """A selectivity rule; soft-deleted rows stay for the audit trail and are published as deleted."""

    __tablename__ = "selectivity_rules"
    document_name: ClassVar[DocumentName] = "rule"

    stream: Mapped[str] = mapped_column(String(16), index=True)
