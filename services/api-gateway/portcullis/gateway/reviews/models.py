"""The review queue: one row per possible match of a stored decision, its verdict and its publication state."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.gateway.db import Base, RowId


class ReviewStatus(StrEnum):
    """Where a possible match stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class ReviewRow(Base):
    """A possible match waiting for (or given) an analyst's verdict; `message` is the verdict as published, and
    `published_at` is set once Kafka acknowledged it (the outbox)."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint(
            "stream", "subject_id", "subject_key", "entry_id", "entry_version", name="uq_review_items_match"
        ),
        Index("ix_review_items_status_decided", "status", "decided_at", "id"),
        Index("ix_review_items_office_status_decided", "office_id", "status", "decided_at"),
        Index("ix_review_items_unpublished", "published_at", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subject_key: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[str] = mapped_column(String(120))
    entry_version: Mapped[int] = mapped_column(Integer)
    list_name: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    lane: Mapped[str] = mapped_column(String(8))
    provisional_lane: Mapped[str] = mapped_column(String(8))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PENDING.value)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(12), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
