"""The outcomes table: one inspection outcome per decision, with its publication state (the outbox)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.gateway.db import Base, RowId


class OutcomeRow(Base):
    """What the inspection of one decided subject found; `published_at` is set once Kafka acknowledged it."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("stream", "subject_id", name="uq_outcomes_stream_subject"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    decision_id: Mapped[int] = mapped_column(RowId, ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    inspected: Mapped[bool] = mapped_column(Boolean)
    irregularity_found: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(16))
    revenue_recovered: Mapped[Decimal] = mapped_column(Numeric(18, 2, asdecimal=True))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    officer_id: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
