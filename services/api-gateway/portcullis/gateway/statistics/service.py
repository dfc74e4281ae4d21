"""Computing statistics in SQL: counts and hit rates grouped per dimension, latency percentiles.

Statistics read the current decisions only: an amended subject counts once, with its current version.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.gateway.decisions.models import DecisionRow, DecisionRuleRow, aware
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.service import filter_conditions
from portcullis.gateway.outcomes.models import OutcomeRow
from portcullis.gateway.statistics.schemas import GroupStatistics, Percentiles, Statistics
from portcullis.shared.streams import CATALOGUE

#: Where percentiles cannot be computed in SQL (SQLite), they are computed over at most this many recent decisions.
PERCENTILE_SAMPLE = 200_000
_INSPECTED = case((OutcomeRow.inspected.is_(True), 1), else_=0)
_HIT = case((and_(OutcomeRow.inspected.is_(True), OutcomeRow.irregularity_found.is_(True)), 1), else_=0)


async def _grouped(
    session: AsyncSession, key: Any, conditions: list[ColumnElement[bool]], join_rules: bool = False
) -> list[tuple[Any, str, int, int, int]]:
    statement = select(
        key,
        DecisionRow.lane,
        func.count(DecisionRow.id),
        func.coalesce(func.sum(_INSPECTED), 0),
        func.coalesce(func.sum(_HIT), 0),
    ).select_from(DecisionRow)
    if join_rules:
        statement = statement.join(DecisionRuleRow, DecisionRuleRow.decision_id == DecisionRow.id)
    statement = statement.outerjoin(OutcomeRow, OutcomeRow.decision_id == DecisionRow.id)
    rows = await session.execute(statement.where(*conditions).group_by(key, DecisionRow.lane))
    return [(k, lane, int(n), int(inspected), int(hits)) for k, lane, n, inspected, hits in rows.all()]


def _groups(rows: list[tuple[Any, str, int, int, int]], total: int, missing: str) -> dict[str, GroupStatistics]:
    lanes: dict[str, dict[str, int]] = defaultdict(dict)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, lane, decisions, inspected, hits in rows:
        name = missing if key is None else str(key)
        lanes[name][lane] = lanes[name].get(lane, 0) + decisions
        for index, value in enumerate((decisions, inspected, hits)):
            sums[name][index] += value
    return {
        name: GroupStatistics(
            decisions=decisions,
            share=decisions / total if total else 0.0,
            lanes=lanes[name],
            inspected=inspected,
            irregularities=hits,
            hit_rate=hits / inspected if inspected else None,
        )
        for name, (decisions, inspected, hits) in sorted(sums.items())
    }


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


async def _latencies(session: AsyncSession, conditions: list[ColumnElement[bool]], start: Any) -> Percentiles:
    if session.get_bind().dialect.name == "postgresql":
        seconds = extract("epoch", DecisionRow.decided_at - start)
        row = (
            await session.execute(
                select(
                    func.count(DecisionRow.id),
                    *(cast(func.percentile_cont(p).within_group(seconds), Float) for p in (0.5, 0.95, 0.99)),
                ).where(*conditions)
            )
        ).one()
        return Percentiles(count=row[0], p50=row[1], p95=row[2], p99=row[3], sampled=False)
    rows = (
        await session.execute(
            select(DecisionRow.decided_at, start)
            .where(*conditions)
            .order_by(DecisionRow.id.desc())
            .limit(PERCENTILE_SAMPLE + 1)
        )
    ).all()
    sampled = len(rows) > PERCENTILE_SAMPLE
    values = sorted((aware(decided) - aware(began)).total_seconds() for decided, began in rows[:PERCENTILE_SAMPLE])
    return Percentiles(
        count=len(values),
        p50=percentile(values, 0.5),
        p95=percentile(values, 0.95),
        p99=percentile(values, 0.99),
        sampled=sampled,
    )


async def compute_statistics(session: AsyncSession, criteria: DecisionFilter) -> Statistics:
    """Statistics of the decisions a filter selects (stream and time range)."""
    assert criteria.stream is not None
    conditions = filter_conditions(criteria)
    by_lane = await _grouped(session, DecisionRow.lane, conditions)
    total = sum(row[2] for row in by_lane)
    lanes = _groups(by_lane, total, "unknown")
    stream_lanes = list(CATALOGUE.of(criteria.stream).lanes)
    for lane in stream_lanes:
        lanes.setdefault(
            lane.value,
            GroupStatistics(decisions=0, share=0.0, lanes={}, inspected=0, irregularities=0, hit_rate=None),
        )
    random = _groups(
        await _grouped(session, DecisionRow.random_selection, [*conditions, DecisionRow.random_selection.is_(True)]),
        total,
        "random",
    )
    return Statistics(
        stream=criteria.stream,
        decided_from=criteria.decided_from,
        decided_to=criteria.decided_to,
        decisions=total,
        amended=int(
            await session.scalar(select(func.count(DecisionRow.id)).where(*conditions, DecisionRow.version > 1)) or 0
        ),
        lanes={lane.value: lanes[lane.value] for lane in sorted(stream_lanes, key=lambda lane: lane.strictness)},
        offices=_groups(await _grouped(session, DecisionRow.office_id, conditions), total, "unknown"),
        rules=_groups(await _grouped(session, DecisionRuleRow.rule_id, conditions, join_rules=True), total, "unknown"),
        model_versions=_groups(await _grouped(session, DecisionRow.model_version, conditions), total, "none"),
        random_selection=next(
            iter(random.values()),
            GroupStatistics(decisions=0, share=0.0, lanes={}, inspected=0, irregularities=0, hit_rate=None),
        ),
        submission_to_decision_s=await _latencies(session, conditions, DecisionRow.submitted_at),
        receipt_to_decision_s=await _latencies(session, conditions, DecisionRow.received_at),
    )
