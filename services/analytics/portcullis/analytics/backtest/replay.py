"""Replaying a period of stored declarations through the rule engine, in batches read from Parquet with DuckDB.

Each declaration decided in the period counts once, with its latest decision (amendments make new versions) and the
latest content of the declaration; rules are evaluated as scoring evaluated them, at the decision's time (a rule's
validity window applies) and with `amended_after_selection` for amended ones. The lanes follow from the stored
decisions (lanes.py); hits, revenue and value at stake from the latest outcomes and the declarations. A declaration
that no rule under test can match (by the engine's index keys, looked for in its stored JSON) and that no rule hit
when it was decided keeps its lane without being parsed. A model backtest parses and re-scores every record (one
predict call per batch) and derives its lane with the model's thresholds (lanes.py, `rescored_lane`).
"""

import bisect
import gc
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from portcullis.analytics.backtest.lanes import (
    RandomDraw,
    Replayed,
    StoredDecision,
    Thresholds,
    replayed_lane,
    rescored_lane,
)
from portcullis.analytics.backtest.schemas import (
    BacktestResult,
    LaneCounts,
    ModelUsed,
    Outcomes,
    Overlap,
    Rates,
    RuleCount,
)
from portcullis.analytics.reports.period import Period, ratio
from portcullis.shared.lanes import stricter
from portcullis.shared.logging import get_logger
from portcullis.shared.rules import CompiledRule, evaluate
from portcullis.shared.rules.fields import AmendedSubject
from portcullis.shared.schemas import Declaration, Lane

if TYPE_CHECKING:  # the model (LightGBM, pandas) is imported only when a model backtest is asked for
    from portcullis.analytics.backtest.models import ModelUnderTest

log = get_logger(__name__)

BATCH_ROWS = 20_000
_LANES = {lane.value: lane for lane in Lane}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The latest decision of each declaration decided in the period, with what its reasons say (see lanes.py). Every
# version decided in the period is received at most a day before it: older day folders are skipped.
_DECISIONS = """
CREATE OR REPLACE TEMP TABLE backtest_decisions AS
WITH parsed AS (
    SELECT subject_id, version, decided_at, lane, score, random_selection, rule_ids, model_version,
           from_json(json_extract(payload, '$.reasons'),
                     '[{"kind": "VARCHAR", "code": "VARCHAR", "text": "VARCHAR", "weight": "DOUBLE"}]') AS reasons
    FROM decisions WHERE stream = 'declaration' AND day >= $first_day AND decided_at >= $start
), latest AS (
    SELECT subject_id, unnest(newest) FROM (
        SELECT subject_id, max_by(
            {'lane': lane, 'score': score, 'random_selection': coalesce(random_selection, false),
             'rule_ids': rule_ids, 'model_version': coalesce(model_version, 'none'), 'decided_at': decided_at,
             'rule_score_added': coalesce(list_sum([coalesce(r.weight, 0) for r in reasons if r.kind = 'rule']), 0),
             'rule_forced': len([r for r in reasons if r.kind = 'rule' and r.weight IS NULL]) > 0,
             'other_selection': len([r for r in reasons if r.kind IN ('watchlist', 'amendment')]) > 0,
             'amended': len([r for r in reasons if r.kind = 'amendment']) > 0,
             'added_text': coalesce(TRY_CAST(regexp_extract([r.text for r in reasons if r.code = 'score'][1],
                                                            'plus ([0-9.]+) from', 1) AS DOUBLE), 0),
             'score_text': [r.text for r in reasons if r.code = 'score'][1]},
            version::BIGINT * 100000000000000 + epoch_ms(decided_at)
        ) AS newest
        FROM parsed GROUP BY subject_id
    )
)
SELECT * EXCLUDE (score_text),
       CASE WHEN contains(score_text, 'red threshold') THEN 'red'
            WHEN contains(score_text, 'at or above the yellow threshold') THEN 'yellow'
            ELSE 'green' END AS score_lane
FROM latest WHERE decided_at < $end
"""

# Each model version's thresholds as its stored scores show them: the lowest score that its score reason put at or
# above each threshold (every stored score agrees with it).
_THRESHOLDS = """
SELECT model_version,
       min(score) FILTER (WHERE score_lane IN ('yellow', 'red')),
       min(score) FILTER (WHERE score_lane = 'red'),
       max(score) FILTER (WHERE score_lane = 'green'),
       max(score) FILTER (WHERE score_lane = 'yellow')
FROM backtest_decisions GROUP BY model_version
"""

_RECORDS = """
WITH latest_content AS (
    SELECT declaration_id, max(kafka_timestamp) AS received
    FROM declarations WHERE day >= $first_day AND day <= $last_day
    GROUP BY declaration_id
), latest_outcomes AS (
    SELECT subject_id, unnest(newest) FROM (
        SELECT subject_id, max_by(
            {'inspected': inspected, 'irregularity_found': irregularity_found, 'revenue': revenue_recovered},
            version::BIGINT * 100000000000000 + epoch_ms(recorded_at)
        ) AS newest
        FROM outcomes WHERE stream = 'declaration' AND day >= $first_day
        GROUP BY subject_id
    )
)
SELECT b.subject_id, d.payload, b.lane, b.score, b.score_lane, b.random_selection, b.rule_ids, b.model_version,
       b.decided_at, b.rule_score_added, b.rule_forced, b.other_selection, b.amended, b.added_text,
       coalesce(d.declared_value, 0) AS declared_value,
       coalesce(o.inspected, false) AS inspected, coalesce(o.irregularity_found, false) AS hit,
       CASE WHEN o.inspected THEN coalesce(o.revenue, 0) ELSE 0 END::DOUBLE AS revenue
FROM backtest_decisions b
JOIN latest_content c ON c.declaration_id = b.subject_id
JOIN declarations d ON d.declaration_id = c.declaration_id AND d.kafka_timestamp = c.received
     AND d.day >= $first_day AND d.day <= $last_day
LEFT JOIN latest_outcomes o ON o.subject_id = b.subject_id
"""


class BacktestTimeoutError(Exception):
    """The backtest ran past its wall-clock limit."""


@dataclass
class Progress:
    """Records done out of the total; read by the job's status while the replay writes it."""

    done: int = 0
    total: int | None = None


@dataclass
class Capacity:
    """The red and yellow rates the agency can inspect."""

    red_rate: float
    yellow_rate: float


@dataclass
class _Tally:
    lanes: Counter[tuple[Lane, Lane]] = field(default_factory=Counter)  # (stored lane, backtest lane)
    matched: Counter[str] = field(default_factory=Counter)
    with_outcome: int = 0
    hits: int = 0
    revenue: float = 0.0
    declared_value: float = 0.0
    random_selections: int = 0
    uncertain: int = 0
    unreadable: int = 0
    scores_changed: int = 0


def run_backtest(
    connection: duckdb.DuckDBPyConnection,
    period: Period,
    rules: Sequence[CompiledRule],
    capacity: Capacity,
    random: RandomDraw,
    progress: Progress,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    model: "ModelUnderTest | None" = None,
) -> BacktestResult:
    """Replay the period's declarations through `rules` (and, with `model`, re-score them with it: the rules then
    replace the stored rules' effect when given, else it stands); raise BacktestTimeoutError past `deadline`."""
    started = clock()
    first_day = (period.first - timedelta(days=1)).isoformat()
    last_day = (period.last + timedelta(days=1)).isoformat()
    connection.execute(_DECISIONS, {"first_day": first_day, "start": period.start, "end": period.end})
    thresholds = _thresholds(connection)
    [(total,)] = connection.execute("SELECT count(*) FROM backtest_decisions").fetchall()
    progress.total = int(total)
    windows = _validity_breakpoints(rules)
    needles = _needles(rules) if model is None else None
    tally = _Tally()
    seen: set[str] = set()
    records = connection.sql(_RECORDS, params={"first_day": first_day, "last_day": last_day})
    reader = records.to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        if clock() > deadline:
            raise BacktestTimeoutError
        with _cyclic_gc_paused():
            if model is None:
                _replay_batch(batch, rules, windows, needles, thresholds, random, tally, seen)
            else:
                _rescore_batch(batch, rules, windows, model, random, tally, seen)
        progress.done = len(seen)
    if tally.unreadable:
        log.warning("backtest_unreadable_declarations", records=tally.unreadable)
    result = _result(tally, len(seen), rules, capacity, clock() - started)
    if model is not None:
        result.model = ModelUsed(
            version=model.version,
            yellow_threshold=model.thresholds.yellow,
            red_threshold=model.thresholds.red,
            scores_changed=tally.scores_changed,
        )
    return result


def _thresholds(connection: duckdb.DuckDBPyConnection) -> dict[str, Thresholds]:
    found = {}
    for model_version, yellow, red, highest_green, highest_yellow in connection.execute(_THRESHOLDS).fetchall():
        above_green = float(highest_green) + 1e-6 if highest_green is not None else 0.0
        red_value = float(red) if red is not None else 1.0 + 1e-6
        yellow_value = float(yellow) if yellow is not None else min(above_green, red_value)
        found[str(model_version)] = Thresholds(
            yellow=yellow_value,
            red=red_value,
            yellow_above=float(highest_green) if highest_green is not None else 0.0,
            red_above=float(highest_yellow) if highest_yellow is not None else yellow_value,
        )
    return found


def _needles(rules: Sequence[CompiledRule]) -> tuple[str, ...] | None:
    """Texts of which a stored declaration's JSON holds one wherever some rule can match it; None when a rule has no
    such text (it is then parsed and evaluated whatever it holds).

    From the rule engine's own index keys (a rule cannot match where none of its keys does): a key that a code
    equals or starts with one of some values needs the JSON string `"<value>"` or `"<value>`. Only values that JSON
    never escapes qualify (letters, digits, `-`, `.`, `_`, space).
    """
    found: set[str] = set()
    for rule in rules:
        if not rule.index_keys:
            return None
        for key in rule.index_keys:
            for value in key.values:
                if not _PLAIN.fullmatch(value):
                    return None
                found.add(f'"{value}' if key.prefix else f'"{value}"')
    return tuple(sorted(found))


_PLAIN = re.compile(r"[A-Za-z0-9 ._-]+")


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector for one batch: a batch's 20,000 parsed declarations (no cycles) would
    otherwise trigger collections that scan them again and again, which tripled the time per declaration."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _validity_breakpoints(rules: Sequence[CompiledRule]) -> list[int]:
    """The moments (microseconds since the epoch) at which some rule comes into or goes out of force: between two,
    the same rules apply."""
    moments = {moment for rule in rules for moment in (rule.spec.valid_from, rule.spec.valid_to) if moment}
    return sorted(_microseconds(moment) for moment in moments)


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _replay_batch(
    batch: pa.RecordBatch,
    rules: Sequence[CompiledRule],
    windows: list[int],
    needles: tuple[str, ...] | None,
    thresholds: dict[str, Thresholds],
    random: RandomDraw,
    tally: _Tally,
    seen: set[str],
) -> None:
    columns, decided = _columns(batch)
    rule_id_column = columns["rule_ids"]
    subjects, rows = _parsed(columns, needles, tally, seen)
    hits = _hits(rules, windows, subjects, rows, decided)
    lane_column = columns["lane"]
    for position, row in enumerate(rows):
        found = hits[position]
        stored_lane = _LANES[lane_column[row]]
        if not found and not rule_id_column[row]:  # no rule hits, then or now (most records): the same lane
            _count(tally, stored_lane, stored_lane, bool(columns["random_selection"][row]), columns, row)
            continue
        stored = _stored(columns, row)
        replayed = _replayed(found, tally)
        threshold = thresholds.get(columns["model_version"][row]) or Thresholds(yellow=1.0, red=1.0)
        lane, drawn, uncertain = replayed_lane(columns["subject_id"][row], stored, replayed, threshold, random)
        tally.uncertain += uncertain
        _count(tally, stored_lane, lane, drawn, columns, row)


def _rescore_batch(
    batch: pa.RecordBatch,
    rules: Sequence[CompiledRule],
    windows: list[int],
    model: "ModelUnderTest",
    random: RandomDraw,
    tally: _Tally,
    seen: set[str],
) -> None:
    """Re-score every record of a batch with the model under test (one predict call), then derive its lane."""
    columns, decided = _columns(batch)
    subjects, rows = _parsed(columns, None, tally, seen)
    hits = _hits(rules, windows, subjects, rows, decided) if rules else None
    declarations = [s.subject if isinstance(s, AmendedSubject) else s for s in subjects]
    model_scores = model.model.score_declarations(declarations).scores.tolist() if declarations else []
    for position, row in enumerate(rows):
        replayed = _replayed(hits[position], tally) if hits is not None else None
        stored = _stored(columns, row)
        # What watchlists added to the stored score: the score reason's addition (to 0.01) less the rules'.
        other_added = float(columns["added_text"][row]) - stored.rule_score_added
        other_added = other_added if other_added > 0.006 else 0.0
        lane, score, drawn, uncertain = rescored_lane(
            columns["subject_id"][row], stored, replayed, model_scores[position], other_added, model.thresholds, random
        )
        tally.uncertain += uncertain
        tally.scores_changed += abs(round(score, 6) - stored.score) > 1e-6
        _count(tally, stored.lane, lane, drawn, columns, row)


def _columns(batch: pa.RecordBatch) -> tuple[dict[str, list[Any]], list[int]]:
    """A batch's columns as lists, and its decision times as integers (microseconds since the epoch)."""
    # Python datetimes of a batch's timestamps cost 15 µs each, half of the whole replay.
    columns = {name: batch.column(name).to_pylist() for name in batch.schema.names if name != "decided_at"}
    decided = batch.column("decided_at").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_pylist()
    return columns, decided


def _parsed(
    columns: dict[str, list[Any]], needles: tuple[str, ...] | None, tally: _Tally, seen: set[str]
) -> tuple[list[Any], list[int]]:
    """The declarations of a batch not seen before (as rules see them) and their rows; records that no rule under
    test can match (`needles`) and that no rule hit are counted with their stored lane, unparsed."""
    subjects: list[Any] = []
    rows: list[int] = []
    rule_id_column = columns["rule_ids"]
    for row, (subject_id, payload) in enumerate(zip(columns["subject_id"], columns["payload"], strict=True)):
        if subject_id in seen:  # the same content delivered twice
            continue
        seen.add(subject_id)
        if needles is not None and not rule_id_column[row] and not any(needle in payload for needle in needles):
            # No rule under test can match it, and none did: its lane stands, without parsing it.
            lane = _LANES[columns["lane"][row]]
            _count(tally, lane, lane, bool(columns["random_selection"][row]), columns, row)
            continue
        try:
            declaration = Declaration.model_validate_json(payload)
        except ValidationError:  # never expected: ingest validated it
            tally.unreadable += 1
            continue
        subjects.append(AmendedSubject(declaration) if columns["amended"][row] else declaration)
        rows.append(row)
    return subjects, rows


def _hits(
    rules: Sequence[CompiledRule], windows: list[int], subjects: list[Any], rows: list[int], decided: list[int]
) -> list[list[Any]]:
    """The rule hits of each subject, with the rules in force at its decision time: one evaluation per stretch of
    time in which they do not change."""
    by_window: dict[int, list[int]] = {}
    for position, row in enumerate(rows):
        by_window.setdefault(bisect.bisect_right(windows, decided[row]), []).append(position)
    hits: list[list[Any]] = [[] for _ in rows]
    for positions in by_window.values():
        at = _EPOCH + timedelta(microseconds=decided[rows[positions[0]]])
        for position, found in zip(positions, evaluate(rules, [subjects[p] for p in positions], at), strict=True):
            hits[position] = found
    return hits


def _replayed(found: list[Any], tally: _Tally) -> Replayed:
    """The effect of a record's rule hits (as scoring's selection adds them up), each hit counted."""
    forced: Lane | None = None
    added = 0.0
    for hit in found:
        action = hit.rule.spec.action
        forced = stricter(forced, action.lane)
        added += action.score or 0.0
        tally.matched[hit.rule.rule_id] += 1
    return Replayed(frozenset(hit.rule.rule_id for hit in found), forced, added)


def _stored(columns: dict[str, list[Any]], row: int) -> StoredDecision:
    return StoredDecision(
        lane=_LANES[columns["lane"][row]],
        score=float(columns["score"][row]),
        score_lane=_LANES[columns["score_lane"][row]],
        random_selection=bool(columns["random_selection"][row]),
        rule_ids=frozenset(columns["rule_ids"][row] or ()),
        rule_score_added=float(columns["rule_score_added"][row]),
        rule_forced=bool(columns["rule_forced"][row]),
        other_selection=bool(columns["other_selection"][row]),
    )


def _count(tally: _Tally, stored: Lane, lane: Lane, drawn: bool, columns: dict[str, Any], row: int) -> None:
    tally.lanes[stored, lane] += 1
    if drawn:
        tally.random_selections += 1
    if lane is not Lane.GREEN:
        tally.declared_value += columns["declared_value"][row] or 0.0
        if columns["inspected"][row]:
            tally.with_outcome += 1
            tally.hits += bool(columns["hit"][row])
            tally.revenue += columns["revenue"][row] or 0.0


def _result(
    tally: _Tally, records: int, rules: Sequence[CompiledRule], capacity: Capacity, seconds: float
) -> BacktestResult:
    stored_lanes: Counter[Lane] = Counter()
    replayed_lanes: Counter[Lane] = Counter()
    for (stored, replayed), count in tally.lanes.items():
        stored_lanes[stored] += count
        replayed_lanes[replayed] += count

    def selected(lane: Lane) -> bool:  # for a check or an examination (blue is released, audited after clearance)
        return lane is Lane.RED or lane is Lane.YELLOW

    def pairs(wanted: Callable[[Lane, Lane], bool]) -> int:
        return sum(count for (stored, replayed), count in tally.lanes.items() if wanted(stored, replayed))

    def lanes(counts: Counter[Lane]) -> LaneCounts:
        return LaneCounts(
            green=counts[Lane.GREEN], blue=counts[Lane.BLUE], yellow=counts[Lane.YELLOW], red=counts[Lane.RED]
        )

    def rate(counts: Counter[Lane], lane: Lane) -> float:
        return counts[lane] / records if records else 0.0

    records -= tally.unreadable
    stored_red, stored_yellow = rate(stored_lanes, Lane.RED), rate(stored_lanes, Lane.YELLOW)
    red, yellow = rate(replayed_lanes, Lane.RED), rate(replayed_lanes, Lane.YELLOW)
    return BacktestResult(
        records=records,
        stored_lanes=lanes(stored_lanes),
        backtest_lanes=lanes(replayed_lanes),
        rules=[RuleCount(rule_id=r.rule_id, name=r.spec.name, matched=tally.matched[r.rule_id]) for r in rules],
        selected=replayed_lanes[Lane.RED] + replayed_lanes[Lane.YELLOW],
        overlap=Overlap(
            both=pairs(lambda stored, replayed: selected(stored) and selected(replayed)),
            backtest_only=pairs(lambda stored, replayed: selected(replayed) and not selected(stored)),
            stored_only=pairs(lambda stored, replayed: selected(stored) and not selected(replayed)),
            same_lane=pairs(lambda stored, replayed: stored is replayed),
        ),
        outcomes=Outcomes(
            with_outcome=tally.with_outcome,
            hits=tally.hits,
            hit_rate=ratio(tally.hits, tally.with_outcome),
            revenue_recovered=round(tally.revenue, 2),
        ),
        declared_value_selected=round(tally.declared_value, 2),
        rates=Rates(
            stored_red_rate=stored_red,
            stored_yellow_rate=stored_yellow,
            backtest_red_rate=red,
            backtest_yellow_rate=yellow,
            red_rate_change=red - stored_red,
            yellow_rate_change=yellow - stored_yellow,
            capacity_red_rate=capacity.red_rate,
            capacity_yellow_rate=capacity.yellow_rate,
            red_capacity_used=ratio(red, capacity.red_rate),
            yellow_capacity_used=ratio(yellow, capacity.yellow_rate),
        ),
        random_selections=tally.random_selections,
        uncertain_lanes=tally.uncertain,
        seconds=round(seconds, 3),
    )
