"""Writing decisions: each distinct content of a subject stored once, the newest as the current decision.

A decision carries the digest of the content scoring read. The same digest again (a redelivery, a replay, the same
record posted twice) stores nothing. Another digest is an amendment: a new version (counted up), which becomes the
current decision when it was received after the current one; the current one moves to `decision_versions`. A
version received earlier than the current one (delivered late, after a rebalance) is kept in the history in its
place and never becomes current. As a second line of defence behind scoring, an amendment never lowers the lane of
the subject's current decision: the stricter lane stands, with a reason. A supervisor's override (overrides/) stands
through later amendments: the new version keeps the override's lane and says what scoring gave.

Decisions without a digest (from a scoring release before amendments) keep the first one stored, as before.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow, DecisionRuleRow, DecisionVersionRow, aware, utc
from portcullis.shared.schemas import Decision, Lane, LaneOverride, Reason, ReasonKind

#: The PostgreSQL advisory lock key that orders decision writes (an arbitrary constant: "pcdecis" in ASCII).
DECISION_WRITES_LOCK = 0x70636465636973
_LANE_ORDER = {lane.value: lane.strictness for lane in Lane}


@dataclass(frozen=True)
class NewDecision:
    """A decision a batch stored (a first decision or an amendment) with its event id, as the store now shows it."""

    id: int
    decision: Decision
    stored_at: datetime


def _row(decision: Decision, stored_at: datetime) -> dict[str, Any]:
    return {
        "stream": decision.stream.value,
        "subject_id": decision.subject_id,
        "lane": decision.lane.value,
        "score": decision.score,
        "model_version": decision.model_version,
        "rules_version": decision.rules_version,
        "watchlist_version": decision.watchlist_version,
        "random_selection": decision.random_selection,
        "challenger_version": decision.challenger_version,
        "challenger_score": decision.challenger_score,
        # One serialiser call for every reason (a model_dump per reason costs several times more).
        "reasons": decision.model_dump(mode="json", include={"reasons"})["reasons"],
        "attributes": decision.attributes or None,
        "office_id": decision.attributes.get("office_id"),
        "importer_id": decision.attributes.get("importer_id"),
        "submitted_at": utc(decision.submitted_at),
        "received_at": utc(decision.received_at),
        "decided_at": utc(decision.decided_at),
        "stored_at": stored_at,
        "content_digest": decision.content_digest,
        "override": decision.override.model_dump(mode="json") if decision.override else None,
        "review": decision.review.model_dump(mode="json") if decision.review else None,
    }


def _rule_codes(decision: Decision) -> list[str]:
    return sorted({r.code for r in decision.reasons if r.kind == ReasonKind.RULE and r.code})


def _stricter(lane: str, other: str) -> str:
    return other if _LANE_ORDER[other] > _LANE_ORDER[lane] else lane


def at_least(decision: Decision, lane: str) -> Decision:
    """The decision with its lane raised to `lane` when that is stricter, saying so in a reason."""
    if _LANE_ORDER[decision.lane.value] >= _LANE_ORDER[lane]:
        return decision
    reasons = [r for r in decision.reasons if r.kind is not ReasonKind.AMENDMENT]
    text = f"amended after selection: the earlier {lane} lane stands"
    reasons.append(Reason(kind=ReasonKind.AMENDMENT, text=text, code="amended_after_selection"))
    return decision.model_copy(update={"lane": Lane(lane), "reasons": reasons})


def keep_override(decision: Decision, override: LaneOverride) -> Decision:
    """An amendment of an overridden decision: the override's lane stands, with what scoring gave now."""
    reasons = [r for r in decision.reasons if r.kind not in (ReasonKind.AMENDMENT, ReasonKind.OVERRIDE)]
    text = (
        f"amended after a supervisor's override: scored {decision.lane.value}, "
        f"the override's {override.lane.value} lane stands"
    )
    reasons.append(Reason(kind=ReasonKind.OVERRIDE, text=text, code="override_kept"))
    kept = override.model_copy(update={"scored_lane": decision.lane})
    return decision.model_copy(update={"lane": override.lane, "reasons": reasons, "override": kept})


class EventIds:
    """Event ids for this transaction: one more than the largest stored, counting up (writes hold the lock)."""

    def __init__(self, last: int) -> None:
        self._last = last

    def __call__(self) -> int:
        self._last += 1
        return self._last


async def event_ids(session: AsyncSession) -> EventIds:
    """Take the decision writes' lock (PostgreSQL; SQLite has one writer) and count event ids on from the largest."""
    if session.get_bind().dialect.name == "postgresql":
        # One writing transaction at a time across every replica, so event ids commit in order (SQLite has a single
        # writer anyway): the live stream reads the store after the last event id it saw and must never skip a row
        # that commits later with a smaller one. Held until this transaction ends.
        await session.execute(select(func.pg_advisory_xact_lock(DECISION_WRITES_LOCK)))
    return EventIds(int(await session.scalar(select(func.max(DecisionRow.event_id))) or 0))


async def insert_decisions(session: AsyncSession, decisions: Sequence[Decision]) -> list[NewDecision]:
    """Store the batch's decisions in order: new subjects, amendments; return what changed, in event id order."""
    if not decisions:
        return []
    stored_at = datetime.now(UTC)
    table = cast(Table, DecisionRow.__table__)
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    next_event = await event_ids(session)
    await _number_rows_of_a_previous_release(session, next_event)
    first: dict[tuple[str, str], Decision] = {}
    for decision in decisions:
        first.setdefault((decision.stream.value, decision.subject_id), decision)
    rows = [_row(d, stored_at) | {"event_id": next_event(), "version": 1} for d in first.values()]
    insert = postgresql.insert if on_postgresql else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["stream", "subject_id"])
        .returning(table.c.id, table.c.event_id, table.c.stream, table.c.subject_id)
    )
    # RETURNING yields exactly the rows inserted (subjects not stored before); map them back by their unique key.
    result = await session.execute(statement, rows)
    inserted = {(stream, subject_id): (row_id, event_id) for row_id, event_id, stream, subject_id in result.all()}
    new: list[NewDecision] = []
    rules: list[dict[str, Any]] = []
    for key, decision in first.items():
        if key in inserted:
            row_id, event_id = inserted[key]
            new.append(NewDecision(event_id, decision, stored_at))
            rules.extend({"decision_id": row_id, "rule_id": code} for code in _rule_codes(decision))
    if rules:
        await session.execute(cast(Table, DecisionRuleRow.__table__).insert(), rules)
    # Everything else is a redelivery or an amendment of a stored subject (rare): handled one at a time, in order.
    others = [d for d in decisions if first[key := (d.stream.value, d.subject_id)] is not d or key not in inserted]
    if others:
        new.extend(await _store_versions(session, others, stored_at, next_event))
    new.sort(key=lambda item: item.id)
    return new


async def _number_rows_of_a_previous_release(session: AsyncSession, next_event: EventIds) -> None:
    # During a rollout, pods of the release before amendments still insert rows without an event id (the column is
    # nullable so that they can): the next batch gives them theirs, so they are streamed and paged like any other.
    unnumbered = (
        await session.scalars(select(DecisionRow.id).where(DecisionRow.event_id.is_(None)).order_by(DecisionRow.id))
    ).all()
    for row_id in unnumbered:
        await session.execute(update(DecisionRow).where(DecisionRow.id == row_id).values(event_id=next_event()))


async def _store_versions(
    session: AsyncSession, decisions: Sequence[Decision], stored_at: datetime, next_event: EventIds
) -> list[NewDecision]:
    keys = list({(d.stream.value, d.subject_id) for d in decisions if d.content_digest is not None})
    if not keys:
        return []
    currents = {
        (row.stream, row.subject_id): row
        for row in (
            await session.scalars(
                select(DecisionRow).where(tuple_(DecisionRow.stream, DecisionRow.subject_id).in_(keys))
            )
        ).all()
    }
    earlier: dict[tuple[str, str], list[DecisionVersionRow]] = defaultdict(list)
    for version in (
        await session.scalars(
            select(DecisionVersionRow).where(tuple_(DecisionVersionRow.stream, DecisionVersionRow.subject_id).in_(keys))
        )
    ).all():
        earlier[(version.stream, version.subject_id)].append(version)
    changed: list[NewDecision] = []
    for decision in decisions:
        key = (decision.stream.value, decision.subject_id)
        current = currents.get(key)
        if current is None or decision.content_digest is None:
            continue
        versions = earlier[key]
        if decision.content_digest == current.content_digest or any(
            v.content_digest == decision.content_digest for v in versions
        ):
            continue  # this content is stored already: a redelivery or a replay
        if decision.received_at >= aware(current.received_at):
            stored = _supersede(session, current, decision, stored_at, versions)
        else:
            stored = _insert_earlier(session, current, decision, stored_at, versions)
        current.event_id = next_event()
        current.stored_at = stored_at
        await session.execute(delete(DecisionRuleRow).where(DecisionRuleRow.decision_id == current.id))
        codes = _rule_codes(stored)
        if codes:
            await session.execute(
                cast(Table, DecisionRuleRow.__table__).insert(),
                [{"decision_id": current.id, "rule_id": code} for code in codes],
            )
        changed.append(NewDecision(current.event_id, current.to_decision(), stored_at))
    await session.flush()
    return changed


def version_row(decision: Decision, version: int, superseded_at: datetime) -> DecisionVersionRow:
    """A superseded decision as a history row (an override's content is that of the version it overrode: its digest
    is left out of the row, which keeps one row per digest)."""
    return DecisionVersionRow(
        stream=decision.stream.value,
        subject_id=decision.subject_id,
        version=version,
        content_digest=decision.content_digest if decision.override is None else None,
        lane=decision.lane.value,
        received_at=utc(decision.received_at),
        superseded_at=superseded_at,
        decision=decision.model_dump(mode="json"),
    )


def _supersede(
    session: AsyncSession,
    current: DecisionRow,
    decision: Decision,
    stored_at: datetime,
    versions: list[DecisionVersionRow],
) -> Decision:
    """The newest content: the current decision becomes an earlier version, this one (never less strict) current."""
    previous = current.to_decision()
    kept = version_row(previous, current.version, stored_at)
    session.add(kept)
    versions.append(kept)
    if previous.override is not None:
        stored = keep_override(decision, previous.override)
    else:
        # The current lane is already at least every earlier version's: the stricter of it and the new one stands.
        stored = at_least(decision, current.lane)
    for name, value in _row(stored, stored_at).items():
        setattr(current, name, value)
    current.version = previous.version + 1
    return stored


def _insert_earlier(
    session: AsyncSession,
    current: DecisionRow,
    decision: Decision,
    stored_at: datetime,
    versions: list[DecisionVersionRow],
) -> Decision:
    """Content received before the current decision's, delivered late: kept in its place in the history.

    The versions received after it count one up; the current decision stays current, raised to its lane if that
    is stricter (an amendment never lowers an earlier selection).
    """
    received = decision.received_at
    before = [v for v in versions if aware(v.received_at) <= received]
    for version in versions:
        if aware(version.received_at) > received:
            version.version += 1
    strictest = Lane.GREEN.value
    for version in before:
        strictest = _stricter(strictest, version.lane)
    late = version_row(at_least(decision, strictest), len(before) + 1, stored_at)
    session.add(late)
    versions.append(late)
    current.version += 1
    if current.override is not None:
        return current.to_decision()  # the override's lane stands
    stored = at_least(current.to_decision(), late.lane)
    if stored.lane.value != current.lane:
        current.lane = stored.lane.value
        current.reasons = stored.model_dump(mode="json", include={"reasons"})["reasons"]
    return stored


async def store_decisions(session: AsyncSession, decisions: Sequence[Decision]) -> int:
    """Store decisions (see insert_decisions); return how many changed the store."""
    return len(await insert_decisions(session, decisions))
