"""The decision store: one row per (stream, subject), written idempotently."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portcullis.shared.db import insert_ignoring_duplicates
from portcullis.shared.schemas import Decision, Reason, Stream


class Base(DeclarativeBase):
    """The gateway's tables."""


class DecisionRow(Base):
    """A stored decision."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("stream", "subject_id", name="uq_decisions_stream_subject"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(80))
    rules_version: Mapped[str] = mapped_column(String(80))
    watchlist_version: Mapped[str] = mapped_column(String(80))
    random_selection: Mapped[bool] = mapped_column(Boolean)
    challenger_version: Mapped[str | None] = mapped_column(String(80))
    challenger_score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_decision(self) -> Decision:
        """The stored row as the wire-format Decision."""
        return Decision(
            stream=Stream(self.stream),
            subject_id=self.subject_id,
            lane=self.lane,
            score=self.score,
            model_version=self.model_version,
            rules_version=self.rules_version,
            watchlist_version=self.watchlist_version,
            reasons=[Reason.model_validate(reason) for reason in self.reasons],
            random_selection=self.random_selection,
            challenger_version=self.challenger_version,
            challenger_score=self.challenger_score,
            submitted_at=_aware(self.submitted_at),
            received_at=_aware(self.received_at),
            decided_at=_aware(self.decided_at),
        )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


async def store_decisions(session: AsyncSession, decisions: list[Decision]) -> int:
    """Store decisions not stored yet (a redelivered decision changes nothing); return how many were new."""
    stored_at = datetime.now(UTC)
    rows = [
        {
            "stream": d.stream.value,
            "subject_id": d.subject_id,
            "lane": d.lane.value,
            "score": d.score,
            "model_version": d.model_version,
            "rules_version": d.rules_version,
            "watchlist_version": d.watchlist_version,
            "random_selection": d.random_selection,
            "challenger_version": d.challenger_version,
            "challenger_score": d.challenger_score,
            "reasons": [reason.model_dump(mode="json") for reason in d.reasons],
            "submitted_at": _utc(d.submitted_at),
            "received_at": _utc(d.received_at),
            "decided_at": _utc(d.decided_at),
            "stored_at": stored_at,
        }
        for d in decisions
    ]
    return await insert_ignoring_duplicates(session, DecisionRow.__table__, rows, ["stream", "subject_id"])  # type: ignore[arg-type]


async def get_decision(session: AsyncSession, stream: Stream, subject_id: str) -> Decision | None:
    """The decision about one subject, if stored."""
    row = await session.scalar(
        select(DecisionRow).where(DecisionRow.stream == stream.value, DecisionRow.subject_id == subject_id)
    )
    return row.to_decision() if row else None
