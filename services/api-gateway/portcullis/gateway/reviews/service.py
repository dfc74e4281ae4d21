"""The review queue: possible matches of stored decisions queued, confirmed (a new version of the decision with the
lane the entry forces) or dismissed (with a reason); every verdict is kept (who, when, why) and published."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import aware, utc
from portcullis.gateway.decisions.service import get_decision_row
from portcullis.gateway.decisions.writes import NewDecision, event_ids, version_row
from portcullis.gateway.reviews.models import ReviewRow, ReviewStatus
from portcullis.gateway.reviews.schemas import ReviewItem
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.review import ReviewRecord, Verdict

_LANE_ORDER = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}
#: Width of the score bands the review metrics count by.
BAND_WIDTH = 0.05


class ReviewNotFoundError(LookupError):
    """No review item (or no decision any more) with that id."""


class AlreadyReviewedError(ValueError):
    """The possible match has its verdict already."""


@dataclass(frozen=True)
class Reviewed:
    """The reviewed item and, for a confirmation, the decision as amended."""

    item: ReviewRow
    decision: Decision | None


def score_band(score: float) -> str:
    """The score band a possible match counts in (`0.85-0.90`)."""
    low = math.floor(round(score / BAND_WIDTH, 6)) * BAND_WIDTH
    return f"{low:.2f}-{min(1.0, low + BAND_WIDTH):.2f}"


def as_item(row: ReviewRow) -> ReviewItem:
    """A queue row as the API shows it."""
    return ReviewItem(
        id=row.id,
        stream=Stream(row.stream),
        subject_id=row.subject_id,
        office_id=row.office_id,
        subject_key=row.subject_key,
        entry_id=row.entry_id,
        entry_version=row.entry_version,
        list_name=row.list_name,
        score=row.score,
        lane=Lane(row.lane),
        provisional_lane=Lane(row.provisional_lane),
        decided_at=aware(row.decided_at),
        status=row.status,
        reason=row.reason,
        key_id=row.key_id,
        reviewed_at=aware(row.reviewed_at) if row.reviewed_at else None,
    )


async def queue_possible_matches(session: AsyncSession, stored: Sequence[NewDecision]) -> int:
    """Queue the possible matches of decisions just stored (each match of a subject once); return how many."""
    rows: list[dict[str, Any]] = []
    for new in stored:
        decision = new.decision
        if decision.review is None:
            continue
        for match in decision.review.possible_matches:
            rows.append(
                {
                    "stream": decision.stream.value,
                    "subject_id": decision.subject_id,
                    "office_id": decision.attributes.get("office_id"),
                    "subject_key": match.subject_key,
                    "entry_id": match.entry_id,
                    "entry_version": match.entry_version,
                    "list_name": match.list_name,
                    "score": match.score,
                    "lane": match.lane.value,
                    "provisional_lane": decision.review.provisional_lane.value,
                    "decided_at": utc(decision.decided_at),
                    "status": ReviewStatus.PENDING.value,
                }
            )
    if not rows:
        return 0
    table = cast(Table, ReviewRow.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    unique = ["stream", "subject_id", "subject_key", "entry_id", "entry_version"]
    await session.execute(insert(table).on_conflict_do_nothing(index_elements=unique), rows)
    return len(rows)


async def list_reviews(
    session: AsyncSession, status: ReviewStatus, office_id: str | None, limit: int
) -> list[ReviewRow]:
    """Review items of a status, the oldest decision first (of one office when given)."""
    query = select(ReviewRow).where(ReviewRow.status == status.value)
    if office_id is not None:
        query = query.where(ReviewRow.office_id == office_id)
    return list((await session.scalars(query.order_by(ReviewRow.decided_at, ReviewRow.id).limit(limit))).all())


async def _pending(session: AsyncSession, review_id: int) -> ReviewRow:
    item = await session.get(ReviewRow, review_id)
    if item is None:
        raise ReviewNotFoundError(review_id)
    if item.status != ReviewStatus.PENDING.value:
        raise AlreadyReviewedError(item.status)
    return item


def confirmed(decision: Decision, item: ReviewRow, reason: str | None) -> Decision:
    """The decision with the lane the entry forces (a supervisor's override stands), a reason saying so, and the
    confirmed match taken off its pending review."""
    forced = Lane(item.lane)
    lane = decision.lane
    if decision.override is None and _LANE_ORDER[forced] > _LANE_ORDER[lane]:
        lane = forced
    text = (
        f"possible match on entry {item.entry_id} ({item.list_name!r}, match score {item.score:.2f}) confirmed by "
        f"an analyst: the entry's {forced.value} lane applies" + (f" ({reason})" if reason else "")
    )
    reasons = [*decision.reasons, Reason(kind=ReasonKind.WATCHLIST, text=text, code=item.entry_id, weight=item.score)]
    review = decision.review
    if review is not None:
        left = [
            m
            for m in review.possible_matches
            if (m.entry_id, m.entry_version, m.subject_key) != (item.entry_id, item.entry_version, item.subject_key)
        ]
        review = review.model_copy(update={"possible_matches": left}) if left else None
    return decision.model_copy(update={"lane": lane, "reasons": reasons, "review": review})


def _verdict(
    item: ReviewRow, verdict: Verdict, key_id: str, now: datetime, decision: Decision | None
) -> dict[str, Any]:
    record = ReviewRecord(
        review_id=item.id,
        verdict=verdict,
        stream=Stream(item.stream),
        subject_id=item.subject_id,
        subject_key=item.subject_key,
        entry_id=item.entry_id,
        entry_version=item.entry_version,
        list_name=item.list_name,
        score=item.score,
        lane=Lane(item.lane),
        reason=item.reason,
        key_id=key_id,
        reviewed_at=now,
        decision=decision,
    )
    return record.model_dump(mode="json")


async def confirm_review(
    session: AsyncSession, review_id: int, key_id: str, reason: str | None, now: datetime
) -> Reviewed:
    """Confirm a possible match: the subject's decision gets a new version with the entry's lane (the caller
    commits)."""
    next_event = await event_ids(session)  # the decision writes' lock: event ids commit in order
    item = await _pending(session, review_id)
    row = await get_decision_row(session, Stream(item.stream), item.subject_id)
    if row is None:
        raise ReviewNotFoundError(review_id)
    previous = row.to_decision()
    session.add(version_row(previous, row.version, now))
    decision = confirmed(previous, item, reason)
    row.lane = decision.lane.value
    row.reasons = decision.model_dump(mode="json", include={"reasons"})["reasons"]
    row.review = decision.review.model_dump(mode="json") if decision.review else None
    row.version += 1
    row.event_id = next_event()
    row.stored_at = now
    current = row.to_decision()
    item.status, item.key_id, item.reviewed_at, item.reason = ReviewStatus.CONFIRMED.value, key_id, now, reason
    item.message = _verdict(item, Verdict.CONFIRMED, key_id, now, current)
    await session.flush()
    return Reviewed(item, current)


async def dismiss_review(session: AsyncSession, review_id: int, key_id: str, reason: str, now: datetime) -> Reviewed:
    """Dismiss a possible match, with the reason; the decision stays as it is (the caller commits)."""
    item = await _pending(session, review_id)
    item.status, item.key_id, item.reviewed_at, item.reason = ReviewStatus.DISMISSED.value, key_id, now, reason
    item.message = _verdict(item, Verdict.DISMISSED, key_id, now, None)
    await session.flush()
    return Reviewed(item, None)
