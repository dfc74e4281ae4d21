"""Overriding a lane: the current decision becomes an earlier version, the override's version becomes current."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.service import get_decision_row
from portcullis.gateway.decisions.writes import event_ids, version_row
from portcullis.gateway.overrides.models import OverrideRow
from portcullis.shared.schemas import Decision, Lane, LaneOverride, Reason, ReasonKind, Stream


class DecisionNotFoundError(LookupError):
    """There is no decision about the subject (yet)."""


class SameLaneError(ValueError):
    """The decision is in that lane already."""


@dataclass(frozen=True)
class Overridden:
    """The stored override and the decision as it now stands."""

    override: OverrideRow
    decision: Decision
    previous_lane: str


def overridden(decision: Decision, lane: Lane, reason: str, key_id: str, now: datetime) -> Decision:
    """The decision with the supervisor's lane, the override's record, and a reason saying so."""
    scored = decision.override.scored_lane if decision.override else decision.lane
    override = LaneOverride(lane=lane, scored_lane=scored, reason=reason, key_id=key_id, overridden_at=now)
    reasons = [r for r in decision.reasons if r.kind not in (ReasonKind.OVERRIDE, ReasonKind.AMENDMENT)]
    text = f"lane set to {lane.value} by a supervisor (was {decision.lane.value}): {reason}"
    reasons.append(Reason(kind=ReasonKind.OVERRIDE, text=text, code="override"))
    return decision.model_copy(update={"lane": lane, "reasons": reasons, "override": override})


async def override_lane(
    session: AsyncSession, stream: Stream, subject_id: str, lane: Lane, reason: str, key_id: str
) -> Overridden:
    """Store the override as the subject's new current version (the caller commits); raise when impossible."""
    next_event = await event_ids(session)  # the decision writes' lock: event ids commit in order
    row = await get_decision_row(session, stream, subject_id)
    if row is None:
        raise DecisionNotFoundError(subject_id)
    if row.lane == lane.value:
        raise SameLaneError(lane.value)
    now = datetime.now(UTC)
    previous = row.to_decision()
    session.add(version_row(previous, row.version, now))
    decision = overridden(previous, lane, reason, key_id, now)
    row.lane = lane.value
    row.reasons = decision.model_dump(mode="json", include={"reasons"})["reasons"]
    row.override = decision.override.model_dump(mode="json") if decision.override else None
    row.version += 1
    row.event_id = next_event()
    row.stored_at = now
    current = row.to_decision()
    override = OverrideRow(
        decision_id=row.id,
        stream=stream.value,
        subject_id=subject_id,
        version=row.version,
        lane=lane.value,
        previous_lane=previous.lane.value,
        reason=reason,
        key_id=key_id,
        office_id=row.office_id,
        overridden_at=now,
        decision=current.model_dump(mode="json"),
        published_at=None,
    )
    session.add(override)
    await session.flush()
    return Overridden(override, current, previous.lane.value)
