"""Writing and reading decisions: idempotent batch inserts with their new ids, lookups, filtered pages."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.cursor import Cursor, decode_cursor, encode_cursor
from portcullis.gateway.decisions.models import DecisionRow, DecisionRuleRow, aware, utc
from portcullis.gateway.decisions.schemas import DecisionFilter, DecisionPage, DecisionSort, StoredDecision
from portcullis.shared.schemas import Decision, ReasonKind, Stream

#: The PostgreSQL advisory lock key that orders decision writes (an arbitrary constant: "pcdecis" in ASCII).
DECISION_WRITES_LOCK = 0x70636465636973


@dataclass(frozen=True)
class NewDecision:
    """A decision that a batch stored for the first time, with its row id."""

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
    }


async def insert_decisions(session: AsyncSession, decisions: Sequence[Decision]) -> list[NewDecision]:
    """Store decisions not stored yet (a redelivered one changes nothing); return the new ones in id order."""
    if not decisions:
        return []
    stored_at = datetime.now(UTC)
    table = cast(Table, DecisionRow.__table__)
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        # One writing transaction at a time across every replica, so rows commit in id order (SQLite has a single
        # writer anyway): the live stream reads the store after the last id it saw and must never skip a row
        # that commits later with a smaller id. Held until this transaction ends.
        await session.execute(select(func.pg_advisory_xact_lock(DECISION_WRITES_LOCK)))
    insert = postgresql.insert if on_postgresql else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["stream", "subject_id"])
        .returning(table.c.id, table.c.stream, table.c.subject_id)
    )
    # RETURNING yields exactly the rows inserted; map them back by their unique key.
    result = await session.execute(statement, [_row(d, stored_at) for d in decisions])
    ids = {(stream, subject_id): row_id for row_id, stream, subject_id in result.all()}
    new = [NewDecision(ids[key], d, stored_at) for d in decisions if (key := (d.stream.value, d.subject_id)) in ids]
    new.sort(key=lambda item: item.id)
    rules = [
        {"decision_id": item.id, "rule_id": code}
        for item in new
        for code in sorted({r.code for r in item.decision.reasons if r.kind == ReasonKind.RULE and r.code})
    ]
    if rules:
        await session.execute(cast(Table, DecisionRuleRow.__table__).insert(), rules)
    return new


async def store_decisions(session: AsyncSession, decisions: Sequence[Decision]) -> int:
    """Store decisions not stored yet; return how many were new."""
    return len(await insert_decisions(session, decisions))


async def get_decision_row(session: AsyncSession, stream: Stream, subject_id: str) -> DecisionRow | None:
    """The stored row of one subject's decision, if any."""
    return await session.scalar(
        select(DecisionRow).where(DecisionRow.stream == stream.value, DecisionRow.subject_id == subject_id)
    )


async def get_decision(session: AsyncSession, stream: Stream, subject_id: str) -> Decision | None:
    """The decision about one subject, if stored."""
    row = await get_decision_row(session, stream, subject_id)
    return row.to_decision() if row else None


def stored(row: DecisionRow) -> StoredDecision:
    """A row as the API shows it (the decision and its id)."""
    return StoredDecision(**row.decision_fields(), id=row.id)


def filter_conditions(criteria: DecisionFilter) -> list[ColumnElement[bool]]:
    """SQL conditions on the decisions table for a filter."""
    conditions: list[ColumnElement[bool]] = []
    if criteria.stream is not None:
        conditions.append(DecisionRow.stream == criteria.stream.value)
    if criteria.lanes:
        conditions.append(DecisionRow.lane.in_([lane.value for lane in criteria.lanes]))
    if criteria.office_id is not None:
        conditions.append(DecisionRow.office_id == criteria.office_id)
    if criteria.importer_id is not None:
        conditions.append(DecisionRow.importer_id == criteria.importer_id)
    if criteria.decided_from is not None:
        conditions.append(DecisionRow.decided_at >= utc(criteria.decided_from))
    if criteria.decided_to is not None:
        conditions.append(DecisionRow.decided_at < utc(criteria.decided_to))
    if criteria.score_min is not None:
        conditions.append(DecisionRow.score >= criteria.score_min)
    if criteria.score_max is not None:
        conditions.append(DecisionRow.score <= criteria.score_max)
    if criteria.random_selection is not None:
        conditions.append(DecisionRow.random_selection.is_(criteria.random_selection))
    if criteria.model_version is not None:
        conditions.append(DecisionRow.model_version == criteria.model_version)
    return conditions


def _after(cursor: Cursor) -> ColumnElement[bool]:
    # Keyset condition "strictly after the cursor's (key, id)"; written with OR for every SQL dialect.
    column = DecisionRow.decided_at if cursor.sort.key == "decided_at" else DecisionRow.score
    key = utc(cursor.key) if isinstance(cursor.key, datetime) else cursor.key
    if cursor.sort.descending:
        return or_(column < key, and_(column == key, DecisionRow.id < cursor.id))
    return or_(column > key, and_(column == key, DecisionRow.id > cursor.id))


def _ordered(statement: Select[DecisionRow], sort: DecisionSort) -> Select[DecisionRow]:
    column = DecisionRow.decided_at if sort.key == "decided_at" else DecisionRow.score
    if sort.descending:
        return statement.order_by(column.desc(), DecisionRow.id.desc())
    return statement.order_by(column.asc(), DecisionRow.id.asc())


async def list_decisions(
    session: AsyncSession,
    criteria: DecisionFilter,
    sort: DecisionSort,
    limit: int,
    cursor: str | None,
    cursor_secret: bytes,
) -> DecisionPage:
    """One page of decisions matching the filter, in the sort's order, after the cursor (raises CursorError)."""
    fingerprint = criteria.fingerprint()
    conditions = filter_conditions(criteria)
    if cursor is not None:
        conditions.append(_after(decode_cursor(cursor, sort, fingerprint, cursor_secret)))
    statement = _ordered(select(DecisionRow).where(*conditions), sort).limit(limit + 1)
    rows = list((await session.scalars(statement)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        key: datetime | float = aware(last.decided_at) if sort.key == "decided_at" else last.score
        next_cursor = encode_cursor(Cursor(sort, key, last.id), fingerprint, cursor_secret)
    return DecisionPage(items=[stored(row) for row in rows], next_cursor=next_cursor)


async def last_decision_id(session: AsyncSession) -> int:
    """The largest row id in the store (0 when empty)."""
    return int(await session.scalar(select(func.max(DecisionRow.id))) or 0)


async def decisions_after(
    session: AsyncSession, after_id: int, criteria: DecisionFilter, limit: int
) -> list[DecisionRow]:
    """Stored decisions with an id above `after_id` matching the filter, in id order (replay of the live stream)."""
    statement = (
        select(DecisionRow)
        .where(DecisionRow.id > after_id, *filter_conditions(criteria))
        .order_by(DecisionRow.id)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())
