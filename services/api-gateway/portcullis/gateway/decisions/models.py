"""Decision tables: the current decision per (stream, subject), its earlier versions, and the rules that fired."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portcullis.gateway.db import Base, RowId
from portcullis.shared.schemas import Decision, LaneOverride, Reason, Stream
from portcullis.shared.schemas.decision import PendingReview


class DecisionRow(Base):
    """A subject's current decision (its newest version); `event_id` grows with every write, the live stream's id.

    `id` stays the subject's for good (outcomes and rule hits refer to it); `event_id` is given anew whenever the
    row changes (an amendment), so a follower of the store that reads after the last `event_id` sees it again.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("stream", "subject_id", name="uq_decisions_stream_subject"),
        Index("ix_decisions_event_id", "event_id", unique=True),
        # The console's (migration 0005).
        Index("ix_decisions_office_decided", "office_id", "decided_at", "event_id"),
        Index(
            "ix_decisions_selected_decided",
            "decided_at",
            "event_id",
            sqlite_where=text("lane IN ('red', 'yellow')"),
            postgresql_where=text("lane IN ('red', 'yellow')"),
        ),
        Index("ix_decisions_decided_stream_lane", "decided_at", "stream", "lane"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    event_id: Mapped[int] = mapped_column(RowId)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
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
    attributes: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    office_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    importer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    override: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    def to_decision(self) -> Decision:
        """The stored row as the wire-format Decision."""
        return Decision(**self.decision_fields())

    def decision_fields(self) -> dict[str, Any]:
        """The Decision's fields of the row."""
        return dict(
            stream=Stream(self.stream),
            subject_id=self.subject_id,
            lane=self.lane,
            score=self.score,
            model_version=self.model_version,
            rules_version=self.rules_version,
            watchlist_version=self.watchlist_version,
            reasons=[Reason(**reason) for reason in self.reasons],
            random_selection=self.random_selection,
            challenger_version=self.challenger_version,
            challenger_score=self.challenger_score,
            attributes=self.attributes or {},
            submitted_at=aware(self.submitted_at),
            received_at=aware(self.received_at),
            decided_at=aware(self.decided_at),
            content_digest=self.content_digest,
            version=self.version,
            amended=self.version > 1,
            override=LaneOverride.model_validate(self.override) if self.override else None,
            review=PendingReview.model_validate(self.review) if self.review else None,
        )


class DecisionVersionRow(Base):
    """An earlier version of a subject's decision, as the store showed it (the current one is in `decisions`)."""

    __tablename__ = "decision_versions"
    __table_args__ = (
        UniqueConstraint("stream", "subject_id", "content_digest", name="uq_decision_versions_digest"),
        Index("ix_decision_versions_subject", "stream", "subject_id", "version"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    stream: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lane: Mapped[str] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)

    def to_decision(self) -> Decision:
        """The version as the wire-format Decision (its number as counted now)."""
        return Decision.model_validate({**self.decision, "version": self.version, "amended": self.version > 1})


class DecisionRuleRow(Base):
    """A selectivity rule that gave a reason for a decision (for statistics per rule)."""

    __tablename__ = "decision_rules"

    decision_id: Mapped[int] = mapped_column(RowId, ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(80), primary_key=True)


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; everything is stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc(moment: datetime) -> datetime:
    """A time converted to UTC, as stored and as compared in SQL (SQLite compares the text)."""
    return moment.astimezone(UTC)
