"""The Time Release Study (WCO TRS guide, version 3, 2018): how long goods wait at each stage, arrival to release.

A declaration's timeline is its clearance events (an event sent twice counts once) and its decision (the
risk assessment, `decided_at` of its latest decision). Stages and their end points are in STAGES; a stage is
measured where both its end points are known and the end is not before the start. The study period selects the
declarations whose goods arrived in it (the first event, when no arrival is recorded).
"""

from datetime import timedelta
from enum import StrEnum
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from portcullis.analytics.reports.period import Period, ratio
from portcullis.analytics.store.timelines import PARTS, merge_sql, pivot_sql


class TimeReleaseGroup(StrEnum):
    """What the time-release report groups by."""

    ALL = "all"
    LANE = "lane"
    OFFICE = "office"
    TRANSPORT_MODE = "transport_mode"
    AGENCY = "agency"
    WEEK = "week"


#: Stage name -> (start, end) moments of the timeline. The first three and the last follow one another (their sum
#: is the end-to-end time); the others are the activities between decision and release that the TRS guide times.
STAGES: dict[str, tuple[str, str]] = {
    "arrival_to_lodgement": ("arrival", "lodged"),
    "lodgement_to_decision": ("lodged", "decided"),
    "decision_to_release": ("decided", "released"),
    "documentary_check": ("documents_requested", "documents_received"),
    "physical_inspection": ("inspection_started", "inspection_finished"),
    "other_agency_control": ("other_agency_hold", "other_agency_release"),
    "payment": ("decided", "duty_paid"),
    "end_to_end": ("arrival", "released"),
}
#: The stages whose contribution to the end-to-end time is compared to name the largest.
CONTRIBUTING = [name for name in STAGES if name not in ("end_to_end", "decision_to_release")]

# An agency that held a declaration groups it; one no other agency held is "customs" only.
_GROUP_KEYS = {
    TimeReleaseGroup.ALL: "'all'",
    TimeReleaseGroup.LANE: "coalesce(lane, 'undecided')",
    TimeReleaseGroup.OFFICE: "coalesce(office_id, 'unknown')",
    TimeReleaseGroup.TRANSPORT_MODE: "coalesce(transport_mode, 'unknown')",
    TimeReleaseGroup.AGENCY: "unnest(CASE WHEN len(agencies) = 0 THEN ['customs'] ELSE agencies END)",
    TimeReleaseGroup.WEEK: "strftime(started, '%G-W%V')",
}

# An event sent twice changes nothing here: every moment is a minimum or a maximum over the declaration's events.
# The timelines come from the store's pre-aggregate (store/timelines.py) and the events it has not read yet.
_TIMELINES = """
CREATE TEMP TABLE durations AS
WITH moments AS (
    {moments}
), timelines AS (
    SELECT * FROM moments WHERE started >= $start AND started < $end
), decided AS (
    SELECT declaration_id, unnest(newest) FROM (
        SELECT subject_id AS declaration_id,
               max_by({{'lane': lane, 'decided': decided_at}}, version::BIGINT * 100000000000000 + epoch_ms(decided_at))
                   AS newest
        FROM decisions WHERE stream = 'declaration' AND day >= $first_day
        GROUP BY subject_id
    )
), joined AS (
    SELECT t.*, d.lane, d.decided FROM timelines t LEFT JOIN decided d USING (declaration_id)
)
SELECT lane, office_id, transport_mode, agencies, started, {durations} FROM joined
"""


# Without a pre-aggregate: every event pivoted here.
_ALL_EVENTS = "SELECT *, coalesce(arrival, first_at) AS started FROM ({pivot})"
# Only the pre-aggregate: its rows of the period (its order by `started` lets the scan skip the others).
_FOLDED = f"SELECT {PARTS}, started FROM timelines_folded WHERE started >= $start AND started < $end"  # noqa: S608
# Both: the pre-aggregate's timelines no newer event touches, and those it does merged with theirs.
_FOLDED_AND_UNFOLDED = """
SELECT {parts}, started FROM timelines_folded p
    ANTI JOIN fresh f ON p.declaration_id IS NOT DISTINCT FROM f.declaration_id
    WHERE started >= $start AND started < $end
UNION ALL
SELECT *, coalesce(arrival, first_at) AS started FROM ({merge})
"""
_TOUCHED = """
    SELECT {parts} FROM timelines_folded p
        SEMI JOIN fresh f ON p.declaration_id IS NOT DISTINCT FROM f.declaration_id
    UNION ALL SELECT {parts} FROM fresh
"""


def _moments(connection: duckdb.DuckDBPyConnection) -> str:
    """The query of the timelines (one row per declaration, with `started`) from what the store holds."""
    state = connection.execute("SELECT folded, unfolded FROM timelines_state").fetchone()
    folded, unfolded = state if state is not None else (False, True)
    if not folded:
        return _ALL_EVENTS.format(pivot=pivot_sql("events_unfolded"))
    if not unfolded:
        return _FOLDED
    touched = merge_sql(f"({_TOUCHED.format(parts=PARTS)})")
    return f"WITH fresh AS ({pivot_sql('events_unfolded')}) " + _FOLDED_AND_UNFOLDED.format(parts=PARTS, merge=touched)


class StageFigures(BaseModel):
    """How long one stage took, in hours."""

    stage: str
    count: int = Field(description="Declarations whose stage could be measured")
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None
    share_of_total: float | None = Field(
        description="The stage's time (of declarations released) over the end-to-end time of all released ones"
    )


class TimeReleaseRow(BaseModel):
    """The figures of one group."""

    group: str
    declarations: int = Field(description="Declarations whose goods arrived in the period")
    released: int = Field(description="Of them, released (end to end measured)")
    released_within_target: int
    share_within_target: float | None = Field(description="released_within_target / released")
    largest_stage: str | None = Field(description="The stage contributing most to the end-to-end time")
    stages: list[StageFigures]


class TimeReleaseReport(BaseModel):
    """The time-release report of a period."""

    report: str = "time-release"
    period_from: str = Field(serialization_alias="from")
    period_to: str = Field(serialization_alias="to")
    group_by: TimeReleaseGroup
    target_hours: float
    groups: list[TimeReleaseRow]
    total: TimeReleaseRow


def time_release_report(
    connection: duckdb.DuckDBPyConnection, period: Period, group_by: TimeReleaseGroup, target_hours: float
) -> TimeReleaseReport:
    """Compute the time-release report over the store."""
    durations = ", ".join(f"{_duration(start, end)} AS {name}" for name, (start, end) in STAGES.items())
    # Decisions come after arrival: those received (`day`) more than a day before the period cannot be of its goods.
    first_day = (period.first - timedelta(days=1)).isoformat()
    parameters = {"start": period.start, "end": period.end, "first_day": first_day}
    connection.execute("DROP TABLE IF EXISTS durations")
    connection.execute(_TIMELINES.format(moments=_moments(connection), durations=durations), parameters)
    if group_by == TimeReleaseGroup.AGENCY:  # a declaration in several groups: the total is a query of its own
        groups, _ = _rows(connection, _GROUP_KEYS[group_by], target_hours, with_total=False)
        _, total = _rows(connection, _GROUP_KEYS[TimeReleaseGroup.ALL], target_hours)
    else:
        groups, total = _rows(connection, _GROUP_KEYS[group_by], target_hours)
    return TimeReleaseReport(
        period_from=period.first.isoformat(),
        period_to=period.last.isoformat(),
        group_by=group_by,
        target_hours=target_hours,
        groups=groups,
        total=total or _empty_row("all"),
    )


def _duration(start: str, end: str) -> str:
    # Microseconds since the epoch, not `epoch(end - start)`: subtracting time zone aware timestamps goes through the
    # calendar (ICU), a third of a whole report over a million timelines; the hours are the same.
    return f"CASE WHEN {end} >= {start} THEN (epoch_us({end}) - epoch_us({start})) / 1000000.0 / 3600.0 END"


def _rows(
    connection: duckdb.DuckDBPyConnection, key: str, target_hours: float, with_total: bool = True
) -> tuple[list[TimeReleaseRow], TimeReleaseRow | None]:
    """The groups' rows and (in the same pass, by a grouping set) the total's."""
    figures = []
    for name in STAGES:
        complete = f"{name} IS NOT NULL AND end_to_end IS NOT NULL"
        # Median and p90 from one sort: median() is quantile_cont(0.5).
        figures.append(
            f"count({name}), avg({name}), quantile_cont({name}, [0.5, 0.9]), "
            f"sum(CASE WHEN {complete} THEN {name} END), sum(end_to_end)"
        )
    sets = "GROUPING SETS ((grp), ())" if with_total else "grp"
    # Stage names and grouping keys come from the tables above, never from a request.
    query = (
        f"SELECT grouping(grp) = 1, grp, count(*), count_if(end_to_end <= $target), {', '.join(figures)} "  # noqa: S608
        f"FROM (SELECT *, {key} AS grp FROM durations) GROUP BY {sets} ORDER BY grp"
    )
    groups, total = [], None
    for is_total, *values in connection.execute(query, {"target": target_hours}).fetchall():
        if is_total:  # over no declaration at all: no row (the report gives the empty one)
            total = _row(("all", *values[1:])) if values[1] else None
        else:
            groups.append(_row(tuple(values)))
    return groups, total


def _row(values: tuple[Any, ...]) -> TimeReleaseRow:
    group, declarations, within, *rest = values
    stages = []
    for index, name in enumerate(STAGES):
        count, mean, quantiles, stage_sum, total_sum = rest[index * 5 : index * 5 + 5]
        median, p90 = quantiles if quantiles is not None else (None, None)
        stages.append(
            StageFigures(
                stage=name,
                count=int(count),
                mean_hours=_number(mean),
                median_hours=_number(median),
                p90_hours=_number(p90),
                share_of_total=ratio(float(stage_sum), float(total_sum))
                if stage_sum is not None and total_sum
                else None,
            )
        )
    shares = {stage.stage: stage.share_of_total for stage in stages if stage.stage in CONTRIBUTING}
    known = {name: share for name, share in shares.items() if share is not None}
    released = stages[-1].count
    return TimeReleaseRow(
        group=str(group),
        declarations=int(declarations),
        released=released,
        released_within_target=int(within),
        share_within_target=ratio(int(within), released),
        largest_stage=max(known, key=lambda name: known[name]) if known else None,
        stages=stages,
    )


def _empty_row(group: str) -> TimeReleaseRow:
    empty = [
        StageFigures(stage=name, count=0, mean_hours=None, median_hours=None, p90_hours=None, share_of_total=None)
        for name in STAGES
    ]
    return TimeReleaseRow(
        group=group,
        declarations=0,
        released=0,
        released_within_target=0,
        share_within_target=None,
        largest_stage=None,
        stages=empty,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
