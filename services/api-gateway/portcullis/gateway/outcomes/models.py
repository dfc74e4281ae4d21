"""Outcome tables: the current outcome per decision with its publication state (the outbox), and earlier versions."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.gateway.db import Base, RowId


class OutcomeFields:
    """What an officer reported, as stored in both tables."""

    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    inspected: Mapped[bool] = mapped_column(Boolean)
    irregularity_found: Mapped[bool] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(16))
    revenue_recovered: Mapped[Decimal] = mapped_column(Numeric(18, 2, asdecimal=True))
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    officer_id: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seizure: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    inspection_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutcomeRow(OutcomeFields, Base):
    """The current (latest) outcome of one decided subject; `published_at` is set once Kafka acknowledged it.

    A correction overwrites the row with the next version (its id stays) after copying the superseded one to
    `outcome_versions`; everything that joins outcomes to decisions thus reads the current version.
    """

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("stream", "subject_id", name="uq_outcomes_stream_subject"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    decision_id: Mapped[int] = mapped_column(RowId, ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)


class OutcomeVersionRow(OutcomeFields, Base):
    """A superseded outcome version, as it was stored, and whether Kafka had acknowledged it by then."""

    __tablename__ = "outcome_versions"
    # The unique key also serves reading a subject's versions (its leading columns).
    __table_args__ = (UniqueConstraint("stream", "subject_id", "version", name="uq_outcome_versions_version"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    superseded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
