"""The overrides table: every lane override (who, why, the decision as amended) with its publication state."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.gateway.db import Base, RowId


class OverrideRow(Base):
    """One override of a decision's lane; `published_at` is set once Kafka acknowledged it (the outbox)."""

    __tablename__ = "decision_overrides"
    __table_args__ = (
        Index("ix_decision_overrides_subject", "stream", "subject_id"),
        Index("ix_decision_overrides_published_at", "published_at"),
        Index("ix_decision_overrides_overridden_at", "overridden_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    decision_id: Mapped[int] = mapped_column(RowId, ForeignKey("decisions.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    lane: Mapped[str] = mapped_column(String(8))
    previous_lane: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(500))
    key_id: Mapped[str] = mapped_column(String(12))
    office_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    overridden_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
