"""Performance measurement: what selection found, per group, from the store's decisions and outcomes.

Each subject counts once, with its latest decision (amendments make new versions) and its latest outcome
(a correction supersedes the report it corrects; both stay in the store). Blue declarations (released, audited
after clearance) count apart from red and yellow: an outcome of a blue one is its post-clearance audit.
Supervisors' lane overrides of the period are counted by office and officer (the supervisor's API key id).
"""

from datetime import timedelta
from enum import StrEnum
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from portcullis.analytics.reports.period import Period, ratio, stratified_estimate, wilson_interval
from portcullis.analytics.store.subjects import DECISION_FIELDS, DECISION_KEY, OUTCOME_FIELDS, OUTCOME_KEY


class PerformanceGroup(StrEnum):
    """What the performance report groups by."""

    ALL = "all"
    LANE = "lane"
    OFFICE = "office"
    RULE = "rule"
    MODEL_VERSION = "model_version"
    WATCHLIST = "watchlist"
    OFFICER = "officer"
    WEEK = "week"


# A subject with several rules (watchlist entries) counts in each of their groups; one with none in "none".
_GROUP_KEYS = {
    PerformanceGroup.ALL: "'all'",
    PerformanceGroup.LANE: "lane",
    PerformanceGroup.OFFICE: "coalesce(office_id, 'unknown')",
    PerformanceGroup.RULE: "unnest(CASE WHEN len(rule_ids) = 0 THEN ['none'] ELSE rule_ids END)",
    PerformanceGroup.MODEL_VERSION: "coalesce(model_version, 'none')",
    PerformanceGroup.WATCHLIST: "unnest(CASE WHEN len(watchlist_entries) = 0 THEN ['none'] ELSE watchlist_entries END)",
    PerformanceGroup.OFFICER: "coalesce(officer_id, 'no outcome')",
    PerformanceGroup.WEEK: "strftime(decided_at, '%G-W%V')",
}

# The subjects' figures, from a relation `latest` of each subject's latest decision (`d`) and outcome (`o`), structs,
# and the `sign` it counts with (below).
_SUBJECT_FIGURES = """
SELECT subject_id, unnest(d), coalesce(o.inspected, false) AS inspected, coalesce(o.irregularity_found, false) AS hit,
       CASE WHEN o.inspected THEN coalesce(o.revenue_recovered, 0) ELSE 0 END AS revenue,
       coalesce(o.seized, false) AS seized, coalesce(o.seizure_value, 0) AS seizure_value, o.officer_id,
       d.lane IN ('red', 'yellow') AND NOT coalesce(d.random_selection, false) AS targeted, sign
FROM latest
"""

# The pre-aggregate's subjects of the period, as it holds them (a query the aggregates read, not a table: scanning
# its Parquet is much cheaper than materialising a month of subjects).
_FOLDED_LATEST = """
SELECT subject_id, decision AS d, CASE WHEN outcome_day >= $first_day THEN outcome END AS o, 1 AS sign
FROM subjects_folded WHERE stream = $stream AND decided_at >= $start AND decided_at < $end
"""
_SUBJECTS_FOLDED = f"WITH latest AS ({_FOLDED_LATEST}) {_SUBJECT_FIGURES}"

# What rows newer than the pre-aggregate change, once per report: the subjects they touch, as the pre-aggregate
# holds them (counted with sign -1, which takes them out of its figures), and merged with the newer rows, the latest of
# both by the same keys (sign 1). Versions decided before the period and outcomes received more than a day before it
# count as absent, as without the pre-aggregate. Every figure is a count or a sum, so the signs make the aggregates
# of the pre-aggregate's subjects plus these rows those of the subjects as they stand, without a join over a month.
_TOUCHED = f"""
CREATE TEMP TABLE subjects_touched AS
WITH fresh_decisions AS (
    SELECT subject_id, max_by({DECISION_FIELDS}, {DECISION_KEY}) AS d, max({DECISION_KEY}) AS d_key
    FROM decisions_unfolded WHERE stream = $stream AND day >= $first_day AND decided_at >= $start
    GROUP BY subject_id
), fresh_outcomes AS (
    SELECT subject_id, max_by({OUTCOME_FIELDS}, {OUTCOME_KEY}) AS o, max({OUTCOME_KEY}) AS o_key
    FROM outcomes_unfolded WHERE stream = $stream AND day >= $first_day
    GROUP BY subject_id
), touched AS (
    SELECT subject_id FROM fresh_decisions UNION SELECT subject_id FROM fresh_outcomes
), held AS MATERIALIZED (
    SELECT subject_id, decided_at, CASE WHEN decided_at >= $start THEN decision END AS d, decision_key AS d_key,
           CASE WHEN outcome_day >= $first_day THEN outcome END AS o, outcome_key AS o_key
    FROM subjects_folded SEMI JOIN touched USING (subject_id) WHERE stream = $stream
), merged AS (
    SELECT subject_id, max_by(d, d_key) FILTER (WHERE d IS NOT NULL) AS d,
           max_by(o, o_key) FILTER (WHERE o IS NOT NULL) AS o
    FROM (
        SELECT subject_id, d, d_key, o, o_key FROM held
        UNION ALL SELECT subject_id, d, d_key, NULL, NULL FROM fresh_decisions
        UNION ALL SELECT subject_id, NULL, NULL, o, o_key FROM fresh_outcomes
    )
    GROUP BY subject_id
)
SELECT subject_id, d, o, -1 AS sign FROM held WHERE decided_at >= $start AND decided_at < $end
UNION ALL SELECT subject_id, d, o, 1 AS sign FROM merged WHERE d.decided_at < $end
"""  # noqa: S608 (the store's constants only, no request input)
_SUBJECTS_FOLDED_AND_TOUCHED = (
    f"WITH latest AS ({_FOLDED_LATEST} UNION ALL SELECT * FROM subjects_touched) {_SUBJECT_FIGURES}"  # noqa: S608
)

# The latest of several versions (amendments; a decision delivered twice is the same version) by a hash aggregate,
# which is cheaper than a window over a month of decisions. Every version of a subject decided in the period is
# decided at or after its start, and is received (`day`) at most a day before it (clock skew): older files are
# skipped, the later ones read in full (a later version outside the period moves the subject out of it).
_SUBJECTS = """
CREATE TEMP TABLE subjects AS
WITH latest_decisions AS (
    SELECT subject_id, unnest(newest) FROM (
        SELECT subject_id, max_by(
            {'lane': lane, 'model_version': model_version, 'random_selection': random_selection,
             'rule_ids': rule_ids, 'watchlist_entries': watchlist_entries, 'office_id': office_id,
             'decided_at': decided_at},
            version::BIGINT * 100000000000000 + epoch_ms(decided_at)
        ) AS newest
        FROM decisions WHERE stream = $stream AND day >= $first_day AND decided_at >= $start
        GROUP BY subject_id
    )
), in_period AS (
    SELECT * FROM latest_decisions WHERE decided_at < $end
), latest_outcomes AS (
    SELECT subject_id, unnest(newest) FROM (
        SELECT subject_id, max_by(
            {'inspected': inspected, 'irregularity_found': irregularity_found,
             'revenue_recovered': revenue_recovered, 'officer_id': officer_id,
             'seized': seizure_commodity IS NOT NULL OR seizure_value IS NOT NULL, 'seizure_value': seizure_value},
            version::BIGINT * 100000000000000 + epoch_ms(recorded_at)
        ) AS newest
        FROM outcomes WHERE stream = $stream AND day >= $first_day
        GROUP BY subject_id
    )
)
SELECT d.*, coalesce(o.inspected, false) AS inspected, coalesce(o.irregularity_found, false) AS hit,
       CASE WHEN o.inspected THEN coalesce(o.revenue_recovered, 0) ELSE 0 END AS revenue,
       coalesce(o.seized, false) AS seized, coalesce(o.seizure_value, 0) AS seizure_value, o.officer_id,
       d.lane IN ('red', 'yellow') AND NOT coalesce(d.random_selection, false) AS targeted, 1 AS sign
FROM in_period d LEFT JOIN latest_outcomes o USING (subject_id)
"""


def _count(condition: str) -> str:
    """The subjects of a group for which `condition` holds, counted with their signs."""
    return f"coalesce(sum(sign) FILTER (WHERE {condition}), 0)"


_RISK_RED = "lane = 'red' AND NOT coalesce(random_selection, false)"
# Every row counts with its sign (1; -1 takes a pre-aggregate's row out, above); a group whose rows cancel out has none.
_AGGREGATE = f"""
SELECT grp, sum(sign), {_count("lane IN ('red', 'yellow')")}, {_count("lane = 'red'")}, {_count("lane = 'yellow'")},
       {_count("inspected")}, {_count("inspected AND hit")}, sum(sign * revenue)::DOUBLE,
       {_count("inspected AND seized")},
       sum(CASE WHEN inspected AND seized THEN sign * seizure_value ELSE 0 END)::DOUBLE,
       {_count("random_selection AND inspected")}, {_count("random_selection AND inspected AND hit")},
       {_count("targeted AND inspected")}, {_count("targeted AND inspected AND hit")},
       {_count(f"{_RISK_RED} AND inspected")}, {_count(f"{_RISK_RED} AND inspected AND hit")},
       sum(CASE WHEN {_RISK_RED} THEN sign * revenue ELSE 0 END)::DOUBLE,
       {_count("coalesce(random_selection, false)")},
       {_count("lane = 'blue'")}, {_count("lane = 'blue' AND inspected")},
       {_count("lane = 'blue' AND inspected AND hit")}
FROM (SELECT *, {{key}} AS grp FROM {{source}})
GROUP BY grp HAVING sum(sign) > 0 ORDER BY grp
"""  # noqa: S608 (the store's constants only, no request input)

# Every override made in the period, by office and officer; the overridden subjects' outcomes as they stand now (only
# theirs are aggregated).
_OVERRIDES = """
WITH made AS (
    SELECT DISTINCT subject_id, version, lane, scored_lane, coalesce(office_id, 'unknown') AS office,
           coalesce(key_id, 'unknown') AS officer
    FROM overrides
    WHERE stream = $stream AND day >= $first_day AND overridden_at >= $start AND overridden_at < $end
), latest_outcomes AS (
    SELECT subject_id, arg_max(inspected, version::BIGINT * 100000000000000 + epoch_ms(recorded_at)) AS inspected,
           arg_max(irregularity_found, version::BIGINT * 100000000000000 + epoch_ms(recorded_at)) AS hit
    FROM outcomes SEMI JOIN made USING (subject_id)
    WHERE stream = $stream AND day >= $first_day
    GROUP BY subject_id
)
SELECT office, officer, count(*),
       count_if(list_position($lanes, lane) > list_position($lanes, scored_lane)),
       count_if(list_position($lanes, lane) < list_position($lanes, scored_lane)),
       count_if(lane = 'red'), count_if(lane = 'yellow'), count_if(lane = 'blue'), count_if(lane = 'green'),
       count_if(coalesce(o.inspected, false)), count_if(coalesce(o.inspected AND o.hit, false))
FROM made LEFT JOIN latest_outcomes o USING (subject_id)
GROUP BY office, officer ORDER BY office, officer
"""
#: Lanes from the least strict to the strictest (an override to a later one raises the lane).
_LANES_BY_STRICTNESS = ["green", "blue", "yellow", "red"]


class PerformanceRow(BaseModel):
    """The figures of one group."""

    group: str
    records: int = Field(description="Subjects decided in the period (each once, its latest decision)")
    selections: int = Field(description="Subjects sent to red or yellow")
    red: int
    yellow: int
    inspections: int = Field(description="Subjects with an outcome that says they were inspected")
    hits: int = Field(description="Inspections that found an irregularity")
    hit_rate: float | None = Field(description="hits / inspections")
    revenue_recovered: float = Field(description="Sum of revenue recovered (in the outcomes' currency)")
    seizures: int = Field(description="Inspections that seized goods")
    seizure_value: float
    random_inspections: int = Field(description="Inspections of random selections")
    random_hits: int
    random_hit_rate: float | None = Field(description="Unbiased estimate of the non-compliance rate")
    random_hit_rate_low: float | None = Field(description="Lower end of its 95% Wilson interval")
    random_hit_rate_high: float | None = Field(description="Upper end of its 95% Wilson interval")
    targeted_inspections: int = Field(description="Inspections of risk-selected subjects (red or yellow, not random)")
    targeted_hits: int
    targeted_hit_rate: float | None
    targeting_lift: float | None = Field(description="targeted_hit_rate / random_hit_rate")
    red_inspections: int = Field(description="Inspections of subjects risk-selected for red")
    red_hits: int
    red_precision: float | None = Field(description="red_hits / red_inspections")
    red_revenue: float
    red_revenue_share: float | None = Field(description="Share of the revenue recovered that red selections found")
    random_selections: int = Field(description="Subjects selected at random (from those that would have been green)")
    blue: int = Field(description="Declarations released for post-clearance audit (blue; not counted in selections)")
    blue_audits: int = Field(description="Blue subjects with an outcome that says they were audited (inspected)")
    blue_hits: int = Field(description="Audits of blue subjects that found an irregularity")
    blue_hit_rate: float | None = Field(description="blue_hits / blue_audits")
    non_compliance_estimate: float | None = Field(
        description="Share of all subjects estimated non-compliant: the hit rates of the strata (random selections "
        "for would-be-green, audits of blue, inspections of yellow and of risk-selected red) weighted by the "
        "strata's sizes"
    )
    non_compliance_low: float | None = Field(description="Lower end of its 95% interval (normal, by strata)")
    non_compliance_high: float | None = Field(description="Upper end of its 95% interval")


class OverrideCount(BaseModel):
    """The overrides one officer made for one office in the period."""

    office: str = Field(description="The office of the overridden decision ('unknown' when it has none)")
    officer: str = Field(description="The supervisor's API key id")
    overrides: int
    raised: int = Field(description="Overrides to a stricter lane than scoring gave")
    lowered: int = Field(description="Overrides to a less strict lane than scoring gave")
    to_red: int
    to_yellow: int
    to_blue: int
    to_green: int
    inspections: int = Field(description="Overridden subjects with an outcome that says they were inspected")
    hits: int = Field(description="Of those, inspections that found an irregularity")
    hit_rate: float | None = Field(description="hits / inspections")


class PerformanceReport(BaseModel):
    """The performance report of a period."""

    report: str = "performance"
    stream: str
    period_from: str = Field(serialization_alias="from")
    period_to: str = Field(serialization_alias="to")
    group_by: PerformanceGroup
    groups: list[PerformanceRow]
    total: PerformanceRow
    overrides: list[OverrideCount] = Field(description="Lane overrides made in the period, by office and officer")


def performance_report(
    connection: duckdb.DuckDBPyConnection, period: Period, group_by: PerformanceGroup, stream: str = "declaration"
) -> PerformanceReport:
    """Compute the performance report over the store."""
    first_day = (period.first - timedelta(days=1)).isoformat()
    parameters = {"stream": stream, "start": period.start, "end": period.end, "first_day": first_day}
    folded, unfolded = _state(connection)
    if folded and unfolded:
        connection.execute("DROP TABLE IF EXISTS subjects_touched")
        connection.execute(_TOUCHED, parameters)
        source, source_parameters = f"({_SUBJECTS_FOLDED_AND_TOUCHED})", parameters
    elif folded:
        source, source_parameters = f"({_SUBJECTS_FOLDED})", parameters
    else:
        connection.execute("DROP TABLE IF EXISTS subjects")
        connection.execute(_SUBJECTS, parameters)
        source, source_parameters = "subjects", {}
    groups = _rows(connection, _GROUP_KEYS[group_by], source, source_parameters)
    totals = _rows(connection, _GROUP_KEYS[PerformanceGroup.ALL], source, source_parameters)
    total = totals[0] if totals else _row(("all", *([0] * 20)))
    overrides = connection.execute(_OVERRIDES, {**parameters, "lanes": _LANES_BY_STRICTNESS}).fetchall()
    return PerformanceReport(
        stream=stream,
        period_from=period.first.isoformat(),
        period_to=period.last.isoformat(),
        group_by=group_by,
        groups=groups,
        total=total,
        overrides=[_override_count(values) for values in overrides],
    )


def _state(connection: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Whether the store has a usable pre-aggregate of the subjects (store/subjects.py), and rows it has not read."""
    try:
        state = connection.execute("SELECT folded, unfolded FROM subjects_state").fetchone()
    except duckdb.CatalogException:  # a connection without the store's views of it
        return False, True
    return (bool(state[0]), bool(state[1])) if state else (False, True)


def _rows(
    connection: duckdb.DuckDBPyConnection, key: str, source: str, parameters: dict[str, object]
) -> list[PerformanceRow]:
    result = connection.execute(_AGGREGATE.format(key=key, source=source), parameters).fetchall()
    return [_row(values) for values in result]


def _row(values: tuple[Any, ...]) -> PerformanceRow:
    (
        group,
        records,
        selections,
        red,
        yellow,
        inspections,
        hits,
        revenue,
        seizures,
        seizure_value,
        random_inspections,
        random_hits,
        targeted_inspections,
        targeted_hits,
        red_inspections,
        red_hits,
        red_revenue,
        random_selections,
        blue,
        blue_audits,
        blue_hits,
    ) = values
    counts = [int(value) for value in (records, selections, red, yellow, inspections, hits, seizures)]
    random_n, random_k = int(random_inspections), int(random_hits)
    targeted_n, targeted_k = int(targeted_inspections), int(targeted_hits)
    red_n, red_k = int(red_inspections), int(red_hits)
    revenue_total = float(revenue or 0)
    red_revenue_total = float(red_revenue or 0)
    random_rate = ratio(random_k, random_n)
    targeted_rate = ratio(targeted_k, targeted_n)
    interval = wilson_interval(random_k, random_n)
    # Strata: would-be-green (random selections inspected), blue (audited), yellow (inspected), risk-selected red
    # (inspected).
    selected_at_random = int(random_selections)
    blue_n, blue_audits_n, blue_hits_n = int(blue), int(blue_audits), int(blue_hits)
    strata = [
        (counts[0] - counts[2] - counts[3] - blue_n + selected_at_random, random_n, random_k),
        (blue_n, blue_audits_n, blue_hits_n),
        (counts[3], targeted_n - red_n, targeted_k - red_k),
        (counts[2] - selected_at_random, red_n, red_k),
    ]
    estimate = stratified_estimate(strata)
    return PerformanceRow(
        group=str(group),
        records=counts[0],
        selections=counts[1],
        red=counts[2],
        yellow=counts[3],
        inspections=counts[4],
        hits=counts[5],
        hit_rate=ratio(counts[5], counts[4]),
        revenue_recovered=revenue_total,
        seizures=counts[6],
        seizure_value=float(seizure_value or 0),
        random_inspections=random_n,
        random_hits=random_k,
        random_hit_rate=random_rate,
        random_hit_rate_low=interval[0] if interval else None,
        random_hit_rate_high=interval[1] if interval else None,
        targeted_inspections=targeted_n,
        targeted_hits=targeted_k,
        targeted_hit_rate=targeted_rate,
        targeting_lift=ratio(targeted_rate, random_rate) if targeted_rate is not None and random_rate else None,
        red_inspections=red_n,
        red_hits=red_k,
        red_precision=ratio(red_k, red_n),
        red_revenue=red_revenue_total,
        red_revenue_share=ratio(red_revenue_total, revenue_total),
        random_selections=selected_at_random,
        blue=blue_n,
        blue_audits=blue_audits_n,
        blue_hits=blue_hits_n,
        blue_hit_rate=ratio(blue_hits_n, blue_audits_n),
        non_compliance_estimate=estimate[0] if estimate else None,
        non_compliance_low=estimate[1] if estimate else None,
        non_compliance_high=estimate[2] if estimate else None,
    )


def _override_count(values: tuple[Any, ...]) -> OverrideCount:
    office, officer, overrides, raised, lowered, to_red, to_yellow, to_blue, to_green, inspections, hits = values
    return OverrideCount(
        office=str(office),
        officer=str(officer),
        overrides=int(overrides),
        raised=int(raised),
        lowered=int(lowered),
        to_red=int(to_red),
        to_yellow=int(to_yellow),
        to_blue=int(to_blue),
        to_green=int(to_green),
        inspections=int(inspections),
        hits=int(hits),
        hit_rate=ratio(int(hits), int(inspections)),
    )
