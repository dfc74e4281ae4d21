"""Reading decisions: lookups, a subject's versions, filtered pages, the live stream's reads (writes: writes.py)."""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.cursor import Cursor, decode_cursor, encode_cursor
from portcullis.gateway.decisions.models import DecisionRow, DecisionVersionRow, aware, utc
from portcullis.gateway.decisions.schemas import (
    DecisionFilter,
    DecisionHistory,
    DecisionPage,
    DecisionSort,
    StoredDecision,
)
from portcullis.gateway.decisions.writes import NewDecision, insert_decisions, store_decisions
from portcullis.shared.schemas import Decision, Stream

__all__ = [
    "NewDecision",
    "decision_history",
    "decisions_after",
    "get_decision",
    "get_decision_row",
    "insert_decisions",
    "last_decision_id",
    "list_decisions",
    "store_decisions",
]


async def get_decision_row(session: AsyncSession, stream: Stream, subject_id: str) -> DecisionRow | None:
    """The stored row of one subject's decision, if any."""
    return await session.scalar(
        select(DecisionRow).where(DecisionRow.stream == stream.value, DecisionRow.subject_id == subject_id)
    )


async def get_decision(session: AsyncSession, stream: Stream, subject_id: str) -> Decision | None:
    """The decision about one subject, if stored."""
    row = await get_decision_row(session, stream, subject_id)
    return row.to_decision() if row else None


async def decision_history(session: AsyncSession, stream: Stream, subject_id: str) -> DecisionHistory | None:
    """Every version of one subject's decision, the first first (None when no decision is stored)."""
    row = await get_decision_row(session, stream, subject_id)
    if row is None:
        return None
    earlier = await session.scalars(
        select(DecisionVersionRow)
        .where(DecisionVersionRow.stream == stream.value, DecisionVersionRow.subject_id == subject_id)
        .order_by(DecisionVersionRow.version)
    )
    versions = [version.to_decision() for version in earlier.all()]
    return DecisionHistory(
        stream=stream, subject_id=subject_id, current_version=row.version, versions=[*versions, row.to_decision()]
    )


def stored(row: DecisionRow) -> StoredDecision:
    """A row as the API shows it (the decision and its event id)."""
    return StoredDecision(**row.decision_fields(), id=row.event_id)


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
    if criteria.amended is not None:
        conditions.append(DecisionRow.version > 1 if criteria.amended else DecisionRow.version == 1)
    return conditions


def _after(cursor: Cursor) -> ColumnElement[bool]:
    # Keyset condition "strictly after the cursor's (key, id)"; written with OR for every SQL dialect.
    column = DecisionRow.decided_at if cursor.sort.key == "decided_at" else DecisionRow.score
    key = utc(cursor.key) if isinstance(cursor.key, datetime) else cursor.key
    if cursor.sort.descending:
        return or_(column < key, and_(column == key, DecisionRow.event_id < cursor.id))
    return or_(column > key, and_(column == key, DecisionRow.event_id > cursor.id))


def _ordered(statement: Select[DecisionRow], sort: DecisionSort) -> Select[DecisionRow]:
    column = DecisionRow.decided_at if sort.key == "decided_at" else DecisionRow.score
    if sort.descending:
        return statement.order_by(column.desc(), DecisionRow.event_id.desc())
    return statement.order_by(column.asc(), DecisionRow.event_id.asc())


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
        next_cursor = encode_cursor(Cursor(sort, key, last.event_id), fingerprint, cursor_secret)
    return DecisionPage(items=[stored(row) for row in rows], next_cursor=next_cursor)


async def last_decision_id(session: AsyncSession) -> int:
    """The largest event id in the store (0 when empty)."""
    return int(await session.scalar(select(func.max(DecisionRow.event_id))) or 0)


async def decisions_after(
    session: AsyncSession, after_id: int, criteria: DecisionFilter, limit: int
) -> list[DecisionRow]:
    """Current decisions written after event id `after_id` matching the filter, in event id order (replay of the
    live stream: an amended decision comes again, with its new version)."""
    statement = (
        select(DecisionRow)
        .where(DecisionRow.event_id > after_id, *filter_conditions(criteria))
        .order_by(DecisionRow.event_id)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())
