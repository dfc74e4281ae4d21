"""Backtests over a month the real scoring pipeline decided: the rules scoring applied reproduce every stored lane;
changed rules give the lanes scoring gives with them; a draft rule's count is the count of what it matches. Model
backtests: the model that decided reproduces every stored lane and score; another model (or the same with other
thresholds) gives the lanes scoring gives with it."""

import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portcullis.analytics.backtest.lanes import RandomDraw
from portcullis.analytics.backtest.models import ModelUnderTest
from portcullis.analytics.backtest.replay import BacktestTimeoutError, Capacity, Progress, run_backtest
from portcullis.analytics.backtest.schemas import BacktestResult
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.lanes import ScoreLanes
from portcullis.shared.random_selection import RandomSelector
from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.rules import CompiledRule, compile_rule
from portcullis.shared.schemas.watchlist import RuleSpec
from tests.unit.analytics.backtest_history import (
    FROM_VIETNAM,
    FURNITURE_FROM_CN,
    RULES,
    month_of_declarations,
    other_model,
    outcomes_for,
    quick_model,
    score_month,
    write_store,
)

MONTH = Period(date(2026, 10, 1), date(2026, 10, 31))
CAPACITY = Capacity(red_rate=0.05, yellow_rate=0.10)
SCORING = ScoringSettings(random_selection_rate=0.1)
DRAW = RandomDraw(
    RandomSelector(SCORING.random_selection_rate, SCORING.random_selection_secret.get_secret_value().encode()),
    SCORING.random_selection_lane,
)
DECLARATIONS = 3000
ELECTRONICS_FROM_CN = {
    "name": "electronics from China",
    "reason": "electronics from China: examine",
    "action": {"lane": "red"},
    "condition": {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "85"},
            {"field": "origin_country", "op": "eq", "value": "CN"},
        ]
    },
}

HIGH_VALUE = {
    "name": "high value",
    "reason": "an item worth more than 50,000",
    "action": {"score": 0.25},
    "condition": {"field": "item_price", "op": "gt", "value": 50_000},
}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    return quick_model(tmp_path_factory.mktemp("backtest-model"))


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return month_of_declarations(DECLARATIONS)


@pytest.fixture(scope="module")
def decisions(model: RiskModel, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return score_month(model, documents, RULES)


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, documents: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> StoreLayout:
    return write_store(tmp_path_factory.mktemp("backtest-store"), documents, decisions, outcomes_for(decisions))


def _compiled(rules: dict[str, dict[str, Any]]) -> list[CompiledRule]:
    return [compile_rule(rule_id, 1, RuleSpec.model_validate(body)) for rule_id, body in rules.items()]


def _backtest(
    store: StoreLayout,
    rules: dict[str, dict[str, Any]],
    period: Period = MONTH,
    model: ModelUnderTest | None = None,
) -> BacktestResult:
    with connect(store) as connection:
        deadline = time.monotonic() + 120
        return run_backtest(connection, period, _compiled(rules), CAPACITY, DRAW, Progress(), deadline, model=model)


def _under_test(model: RiskModel, red_rate: float = 0.05, yellow_rate: float = 0.10) -> ModelUnderTest:
    thresholds = model.thresholds.with_rates(red_rate, yellow_rate)
    return ModelUnderTest(model, ScoreLanes(yellow=thresholds.yellow, red=thresholds.red))


def _lanes(decisions: list[dict[str, Any]]) -> Counter[str]:
    return Counter(decision["lane"] for decision in decisions)


def test_the_rules_scoring_applied_reproduce_every_stored_lane(
    store: StoreLayout, decisions: list[dict[str, Any]]
) -> None:
    stored = _lanes(decisions)
    assert min(stored["red"], stored["yellow"], stored["green"]) > 0  # the month has every lane
    assert any(d["random_selection"] for d in decisions)
    assert any(r["code"] == "R-FURN" for d in decisions for r in d["reasons"])
    assert any(r["code"] == "R-VN" for d in decisions for r in d["reasons"])
    result = _backtest(store, RULES)
    assert result.records == DECLARATIONS
    assert result.overlap.same_lane == DECLARATIONS
    assert result.backtest_lanes.model_dump() == {lane: stored[lane] for lane in ("green", "blue", "yellow", "red")}
    assert result.overlap.backtest_only == result.overlap.stored_only == 0
    assert {r.rule_id: r.matched for r in result.rules} == {
        rule_id: sum(any(r["code"] == rule_id for r in d["reasons"]) for d in decisions) for rule_id in RULES
    }


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"R-FURN": FURNITURE_FROM_CN}, id="score rule removed"),
        pytest.param({"R-VN": FROM_VIETNAM}, id="lane rule removed"),
        pytest.param({**RULES, "R-ELEC": ELECTRONICS_FROM_CN}, id="red rule added"),
        pytest.param({"R-VN": {**FROM_VIETNAM, "action": {"score": 0.1}}}, id="score changed, lane rule removed"),
        pytest.param({**RULES, "R-VALUE": HIGH_VALUE}, id="rule the index cannot narrow added"),
    ],
)
def test_changed_rules_give_the_lanes_scoring_gives_with_them(
    model: RiskModel,
    store: StoreLayout,
    documents: list[dict[str, Any]],
    changed: dict[str, dict[str, Any]],
) -> None:
    rescored = _lanes(score_month(model, documents, changed))
    result = _backtest(store, changed)
    # Exact, but for records whose new score falls between the stored scores that bound a threshold.
    differences = sum(abs(getattr(result.backtest_lanes, lane) - rescored[lane]) for lane in ("green", "yellow", "red"))
    assert differences <= 2 * result.uncertain_lanes
    assert result.uncertain_lanes <= 3


def test_a_draft_rules_selection_is_what_it_matches_and_its_outcomes_are_counted(
    store: StoreLayout, documents: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> None:
    result = _backtest(store, {**RULES, "draft-1": ELECTRONICS_FROM_CN})
    matched = {
        str(d["declaration_id"])
        for d in documents
        if any(i["hs6_code"].startswith("85") and i["origin_country"] == "CN" for i in d["items"])
    }
    assert 0 < len(matched) < DECLARATIONS
    assert {r.rule_id: r.matched for r in result.rules}["draft-1"] == len(matched)
    stored_red = {d["subject_id"] for d in decisions if d["lane"] == "red"}
    assert result.backtest_lanes.red == len(matched | stored_red)
    was_green = {d["subject_id"] for d in decisions if d["lane"] == "green"}
    assert result.overlap.backtest_only == len(matched & was_green)
    assert result.rates.red_rate_change == pytest.approx(len(matched - stored_red) / DECLARATIONS)
    outcomes = {o["subject_id"]: o for o in outcomes_for(decisions)}
    selected = {d["subject_id"] for d in decisions if d["lane"] != "green"} | matched
    inspected = [outcomes[s] for s in selected if s in outcomes]
    assert result.outcomes.with_outcome == len(inspected)
    assert result.outcomes.hits == sum(o["irregularity_found"] for o in inspected)
    assert result.outcomes.revenue_recovered == pytest.approx(1000.0 * result.outcomes.hits)


def test_a_rule_counts_only_where_it_was_in_force_at_the_decision(
    store: StoreLayout, documents: list[dict[str, Any]]
) -> None:
    from_mid_month = {**ELECTRONICS_FROM_CN, "valid_from": "2026-10-16T00:00:00Z", "valid_to": "2026-10-23T12:00:00Z"}
    result = _backtest(store, {"R-WINDOW": from_mid_month})
    in_force = [
        d
        for d in documents
        if "2026-10-16T00:00:00" <= d["submitted_at"] < "2026-10-23T12:00:00"
        and any(i["hs6_code"].startswith("85") and i["origin_country"] == "CN" for i in d["items"])
    ]
    assert in_force
    assert [r.matched for r in result.rules] == [len(in_force)]


def test_only_the_period_is_replayed_and_the_time_limit_holds(store: StoreLayout) -> None:
    first_week = _backtest(store, RULES, Period(date(2026, 10, 1), date(2026, 10, 7)))
    assert 0 < first_week.records < DECLARATIONS // 3
    with connect(store) as connection, pytest.raises(BacktestTimeoutError):
        run_backtest(connection, MONTH, _compiled(RULES), CAPACITY, DRAW, Progress(), time.monotonic() - 1)


def test_a_backtest_of_an_empty_store_finds_nothing(tmp_path: Path) -> None:
    empty = StoreLayout(tmp_path / "history", tmp_path / "personal")
    result = _backtest(empty, RULES)
    assert (result.records, result.selected) == (0, 0)


@pytest.mark.parametrize("rules", [pytest.param({}, id="stored rules"), pytest.param(RULES, id="the same rules")])
def test_the_model_that_decided_reproduces_every_stored_lane_and_score(
    model: RiskModel, store: StoreLayout, decisions: list[dict[str, Any]], rules: dict[str, dict[str, Any]]
) -> None:
    stored = _lanes(decisions)
    assert any(r["kind"] == "watchlist" for d in decisions for r in d["reasons"])  # the listed importer
    result = _backtest(store, rules, model=_under_test(model))
    assert result.model is not None
    assert (result.model.version, result.model.scores_changed) == (model.version, 0)
    assert result.records == DECLARATIONS
    assert result.overlap.same_lane == DECLARATIONS
    assert result.backtest_lanes.model_dump() == {lane: stored[lane] for lane in ("green", "blue", "yellow", "red")}
    assert result.uncertain_lanes == 0


@pytest.fixture(scope="module")
def another_model(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    return other_model(tmp_path_factory.mktemp("backtest-other-model"))


@pytest.mark.parametrize(
    "rules", [pytest.param({}, id="stored rules"), pytest.param({"R-FURN": FURNITURE_FROM_CN}, id="a rule removed")]
)
def test_another_model_gives_the_lanes_scoring_gives_with_it(
    another_model: RiskModel,
    store: StoreLayout,
    documents: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
    rules: dict[str, dict[str, Any]],
) -> None:
    rescored = score_month(another_model, documents, rules or RULES)
    kept = sum(a["lane"] == b["lane"] for a, b in zip(decisions, rescored, strict=True))
    assert kept < DECLARATIONS - 50  # another model: other lanes for many declarations
    result = _backtest(store, rules, model=_under_test(another_model))
    assert result.model is not None
    assert result.model.scores_changed > DECLARATIONS // 2
    counts = _lanes(rescored)
    differences = sum(abs(getattr(result.backtest_lanes, lane) - counts[lane]) for lane in ("green", "yellow", "red"))
    assert differences <= 2 * result.uncertain_lanes
    assert result.uncertain_lanes <= 3
    assert abs(result.overlap.same_lane - kept) <= result.uncertain_lanes


def test_the_same_model_with_wider_thresholds_selects_more_and_finds_what_scoring_finds(
    model: RiskModel, store: StoreLayout, documents: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> None:
    wider = _under_test(model, red_rate=0.10, yellow_rate=0.20)
    result = _backtest(store, {}, model=wider)
    stored = _lanes(decisions)
    assert result.backtest_lanes.red > stored["red"]
    assert result.selected > stored["red"] + stored["yellow"]
    assert result.overlap.stored_only == 0  # lower thresholds keep every earlier selection
    assert result.model is not None
    assert result.model.red_threshold < model.thresholds.red
    rescored = _lanes(score_month(model, documents, RULES, lane_rates=(0.10, 0.20)))
    assert result.backtest_lanes.model_dump() == {lane: rescored[lane] for lane in ("green", "blue", "yellow", "red")}
    assert result.outcomes.with_outcome >= _backtest(store, {}, model=_under_test(model)).outcomes.with_outcome
