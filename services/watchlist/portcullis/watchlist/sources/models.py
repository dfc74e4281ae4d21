"""The versions of each list source: one row per import that changed something or brought new content."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.watchlist.db import Base


class SourceVersionRow(Base):
    """A version of a list: what it was (publication date, content hash, origin) and what it changed."""

    __tablename__ = "watchlist_source_versions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(80))
    published: Mapped[str | None] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(500))
    imported_by: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    parties: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON)
