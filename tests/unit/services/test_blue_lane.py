"""The blue lane: a good-record importer's declaration in the blue band is released for audit, within the cap."""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest

from portcullis.scoring.blue_lane import BlueCapacity, BlueLane, BlueLaneSettings, band_ceiling, good_record_importers
from portcullis.scoring.models import ActiveModel
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.riskmodel import LaneThresholds, RiskModel
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit
from portcullis.shared.schemas import Decision, Lane
from tests.unit.services.stream_fixtures import CapturingPublisher, FakeRecord, lists_with

DATA = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"
#: Reference scores spread evenly over 0..1: the top 5% are red (>= 0.95), the next 10% yellow (>= 0.85).
EVEN = LaneThresholds.from_quantiles([n / 1000 for n in range(1001)], red_rate=0.05, yellow_rate=0.10)
RULE = {
    "name": "from Vietnam",
    "reason": "origin Viet Nam: documents",
    "action": {"lane": "yellow"},
    "condition": {"field": "origin_country", "op": "eq", "value": "VN"},
}


def test_the_band_is_the_lowest_yellow_scores_and_is_empty_when_off() -> None:
    assert band_ceiling(EVEN, 0.04) == pytest.approx(0.89)
    assert band_ceiling(EVEN, 0.0) == EVEN.yellow  # off: no score is in the band
    assert band_ceiling(EVEN, 0.5) == EVEN.red  # a band wider than yellow stops at red


def test_a_good_record_is_enough_inspections_and_few_enough_found_fraudulent() -> None:
    histories = {"A": [10, 0], "B": [4, 0], "C": [10, 1], "D": [40, 1]}
    assert set(good_record_importers(histories, 5, 0.0)) == {"A"}
    assert set(good_record_importers(histories, 5, 0.05)) == {"A", "D"}


def test_a_good_record_importer_in_the_band_goes_blue_and_everyone_else_keeps_the_old_lane() -> None:
    blue = BlueLane(BlueLaneSettings(band_rate=0.04, capacity_rate=1.0, min_inspections=5))
    blue.use_model("m1", EVEN, {"GOOD": [12, 0], "FRAUD": [12, 3]})
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "GOOD", False, None) is Lane.BLUE
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "FRAUD", False, None) is Lane.YELLOW
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "NEW", False, None) is Lane.YELLOW
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.90, "GOOD", False, None) is Lane.YELLOW  # above the band
    assert blue.lane(Lane.GREEN, Lane.GREEN, 0.50, "GOOD", False, None) is Lane.GREEN
    assert blue.lane(Lane.RED, Lane.RED, 0.96, "GOOD", False, None) is Lane.RED
    # A rule or watchlist said something, or an earlier yellow selection stands: no blue.
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "GOOD", True, None) is Lane.YELLOW
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "GOOD", False, Lane.YELLOW) is Lane.YELLOW
    assert blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "GOOD", False, Lane.BLUE) is Lane.BLUE
    assert "good record (12 earlier inspections" in blue.reason("GOOD")["text"]


def test_the_capacity_share_caps_the_blue_lane_and_the_rest_stay_yellow() -> None:
    blue = BlueLane(BlueLaneSettings(band_rate=0.04, capacity_rate=0.05, min_inspections=1))
    blue.use_model("m1", EVEN, {"GOOD": [3, 0]})
    lanes = [blue.lane(Lane.YELLOW, Lane.YELLOW, 0.86, "GOOD", False, None) for _ in range(1000)]
    # Every declaration qualifies, yet at every point at most 5% of those decided went blue.
    blues = 0
    for decided, lane in enumerate(lanes, start=1):
        blues += lane is Lane.BLUE
        assert blues <= 0.05 * decided + 1e-9
    assert blues == 50
    assert set(lanes) == {Lane.BLUE, Lane.YELLOW}


def test_unused_capacity_is_saved_for_a_thousand_declarations_at_most() -> None:
    capacity = BlueCapacity(0.02)
    for _ in range(100_000):
        capacity.decided()
    taken = 0
    while capacity.take():
        taken += 1
    assert taken == 20


# --- through the declaration pipeline, with a real (quick) model --------------------------------------------------


@dataclass
class Holder:
    current: ActiveModel | None
    challenger: ActiveModel | None = None


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    tmp = tmp_path_factory.mktemp("blue")
    pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, nrows=4000).to_csv(tmp / "train.csv", index=False)
    pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1500).to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=20, params={**DEFAULT_PARAMS, "num_threads": 1})
    return fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config)


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    items = read_items_csv(DATA / "df_syn_train_eng.csv").items.iloc[:1500]
    return [d.model_dump(mode="json") for d in items_to_declarations(items)]


def _decide(
    model: RiskModel, documents: list[dict[str, Any]], settings: ScoringSettings, *entries: tuple[str, str, Any]
) -> list[Decision]:
    active = ActiveModel(model, model.thresholds.with_rates(0.05, 0.30))
    publisher = CapturingPublisher()
    lists = lists_with(("rule", "R-VN", RULE), *entries)
    pipeline = DeclarationPipeline(settings, Holder(active), lists, publisher)  # type: ignore[arg-type]
    records = [
        FakeRecord(str(d["declaration_id"]).encode(), orjson.dumps(d), offset=n, timestamp=1_767_225_600_000 + n)
        for n, d in enumerate(documents)
    ]
    assert asyncio.run(pipeline.handle(records)) == []  # type: ignore[arg-type]
    topic = settings.kafka.topic("decisions")
    return [Decision.model_validate_json(m.value or b"") for m in publisher.messages if m.topic == topic]


def test_in_the_pipeline_only_good_record_importers_in_the_band_go_blue(
    model: RiskModel, documents: list[dict[str, Any]]
) -> None:
    without = _decide(model, documents, ScoringSettings(random_selection_rate=0.0))
    blue_settings = {"blue_band_rate": 0.15, "blue_max_rate": 1.0, "blue_min_inspections": 2}
    with_blue = _decide(model, documents, ScoringSettings(random_selection_rate=0.0, **blue_settings))
    assert Lane.BLUE not in {d.lane for d in without}  # off by default
    good = good_record_importers(model.stats.histories["importer"], 2, 0.0)
    active = model.thresholds.with_rates(0.05, 0.30)
    ceiling = band_ceiling(active, 0.15)
    kept_yellow_in_band = 0
    for before, after in zip(without, with_blue, strict=True):
        importer = before.attributes["importer_id"]
        by_rule = any(r.kind == "rule" for r in before.reasons)
        in_band = before.lane is Lane.YELLOW and before.score < ceiling and not by_rule
        if in_band and importer in good:
            assert after.lane is Lane.BLUE, before.subject_id
            assert any(r.code == "blue_lane" for r in after.reasons)
        else:
            assert after.lane is before.lane, before.subject_id
            kept_yellow_in_band += in_band
    blues = sum(d.lane is Lane.BLUE for d in with_blue)
    assert blues > 0
    assert kept_yellow_in_band > 0  # importers without the record in the band: still yellow
    capped_settings = ScoringSettings(random_selection_rate=0.0, **{**blue_settings, "blue_max_rate": 0.01})
    capped = _decide(model, documents, capped_settings)
    capped_blues = sum(d.lane is Lane.BLUE for d in capped)
    # Above the cap the declaration stays yellow; nothing else changes.
    assert 0 < capped_blues <= 0.01 * len(documents) < blues
    assert {(a.lane, b.lane) for a, b in zip(with_blue, capped, strict=True) if a.lane is not b.lane} == {
        (Lane.BLUE, Lane.YELLOW)
    }


def test_a_possible_match_waiting_for_review_keeps_a_declaration_out_of_blue(
    model: RiskModel, documents: list[dict[str, Any]]
) -> None:
    settings = ScoringSettings(
        random_selection_rate=0.0, blue_band_rate=0.15, blue_max_rate=1.0, blue_min_inspections=2
    )
    listed = {"kind": "organization", "name": "Kalashnikov Concern JSC", "list_name": "OFAC SDN", "countries": ["RU"]}
    entry = ("entry", "sdn-org", {**listed, "reason": "RUSSIA-EO14024"})
    blue = [d.subject_id for d in _decide(model, documents, settings, entry) if d.lane is Lane.BLUE]
    assert blue
    named = [
        {**d, "parties": [{"role": "notify", "name": "Kalashnikov Consern", "country": "NL"}]}
        for d in documents
        if d["declaration_id"] in blue
    ]
    decided = _decide(model, named, settings, entry)
    # The near-spelling of a listed name is for an analyst to confirm or dismiss: until then no release-now lane.
    assert all(d.review is not None and d.lane is Lane.YELLOW for d in decided)
