"""The declaration pipeline in process: the decisions it publishes are the documented ones, byte for byte."""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest

from portcullis.scoring.models import ActiveModel
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.random_selection import is_randomly_selected
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit
from portcullis.shared.schemas import Decision, Declaration, Lane, ReasonKind
from tests.unit.services.stream_fixtures import CapturingPublisher, FakeRecord, lists_with

DATA = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"
RULE = {
    "name": "furniture from China",
    "reason": "furniture from China: documents",
    "action": {"lane": "yellow"},
    "condition": {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "94"},
            {"field": "origin_country", "op": "eq", "value": "CN"},
        ]
    },
}
SCORE_RULE = {
    "name": "from Vietnam",
    "reason": "origin Viet Nam adds risk",
    "action": {"score": 0.3},
    "condition": {"field": "origin_country", "op": "eq", "value": "VN"},
}


@dataclass
class Holder:
    """What the pipeline reads of the model holder."""

    current: ActiveModel | None
    challenger: ActiveModel | None = None


def _fit(train: pd.DataFrame, valid: pd.DataFrame, tmp: Path, rounds: int) -> RiskModel:
    train.to_csv(tmp / "train.csv", index=False)
    valid.to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=rounds, params={**DEFAULT_PARAMS, "num_threads": 1})
    return fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[RiskModel, RiskModel]:
    """A quick model and a quicker challenger (4,000 training rows)."""
    train = pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, nrows=4000)
    valid = pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1500)
    tmp = tmp_path_factory.mktemp("pipeline")
    return _fit(train, valid, tmp, 20), _fit(train, valid, tmp, 5)


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    items = read_items_csv(DATA / "df_syn_valid_eng.csv").items.iloc[2000:2600]
    return [d.model_dump(mode="json") for d in items_to_declarations(items)]


def _records(documents: list[dict[str, Any]]) -> list[FakeRecord]:
    return [
        FakeRecord(str(d["declaration_id"]).encode(), orjson.dumps(d), offset=n, timestamp=1_767_225_600_000 + n)
        for n, d in enumerate(documents)
    ]


def _run(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]], settings: ScoringSettings
) -> tuple[list[Any], list[bytes], ActiveModel]:
    model, challenger = models
    active = ActiveModel(model, model.thresholds.with_rates(0.05, 0.10))
    holder = Holder(active, ActiveModel(challenger, challenger.thresholds))
    publisher = CapturingPublisher()
    lists = lists_with(
        ("rule", "R-FURN", RULE),
        ("rule", "R-VN", SCORE_RULE),
        ("entry", "wl-1", {"kind": "trader", "role": "importer", "trader_id": documents[5]["importer_id"],
                           "list_name": "National list", "reason": "under investigation"}),
    )  # fmt: skip
    pipeline = DeclarationPipeline(settings, holder, lists, publisher)  # type: ignore[arg-type]
    dead = asyncio.run(pipeline.handle(_records(documents)))  # type: ignore[arg-type]
    return dead, [m.value or b"" for m in publisher.messages if m.topic == settings.kafka.topic("decisions")], active


def test_decisions_follow_the_selectivity_order_and_carry_reasons_for_what_is_inspected(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]]
) -> None:
    settings = ScoringSettings(random_selection_rate=0.1)
    dead, payloads, active = _run(models, documents, settings)
    assert dead == []
    decisions = [Decision.model_validate_json(p) for p in payloads]
    declarations = [Declaration.model_validate(d) for d in documents]
    assert [d.subject_id for d in decisions] == [d.declaration_id for d in declarations]
    model, challenger = models
    # The reference: the model's own assessment, every declaration explained.
    assessed = model.assess(declarations, explain_min_lane=Lane.GREEN, thresholds=active.thresholds)
    shadow = challenger.assess(declarations, explain_min_lane=None)
    secret = settings.random_selection_secret.get_secret_value().encode()
    seen = {"rule_forced": 0, "score_added": 0, "watchlist": 0, "random": 0, "green": 0, "model_lane": 0}
    for declaration, decision, assessment, shadowed in zip(declarations, decisions, assessed, shadow, strict=True):
        items = declaration.items
        chapter_94_from_cn = any(i.hs6_code.startswith("94") and i.origin_country == "CN" for i in items)
        from_vn = any(i.origin_country == "VN" for i in items)
        listed = declaration.importer_id == documents[5]["importer_id"]
        score = min(1.0, assessment.score + (0.3 if from_vn else 0.0))
        model_lane = active.thresholds.lane_for(score)
        lane = Lane.RED if listed else Lane.YELLOW if chapter_94_from_cn and model_lane is Lane.GREEN else model_lane
        drawn = lane is Lane.GREEN and is_randomly_selected(declaration.declaration_id, 0.1, secret)
        assert decision.score == round(score, 6)
        assert decision.lane is (Lane.RED if drawn else lane)
        assert decision.random_selection is drawn
        assert decision.model_version == model.version
        assert decision.challenger_version == challenger.version
        assert decision.challenger_score == round(shadowed.score, 6)
        kinds = [r.kind for r in decision.reasons]
        assert kinds.count(ReasonKind.RULE) == chapter_94_from_cn + from_vn
        assert kinds.count(ReasonKind.WATCHLIST) == listed
        assert kinds.count(ReasonKind.RANDOM) == drawn
        # A draw records its probability, which retraining from feedback weighs the inspection by.
        assert all(r.weight == 0.1 for r in decision.reasons if r.kind is ReasonKind.RANDOM)
        score_reasons = [r for r in decision.reasons if r.code == "score"]
        assert len(score_reasons) == 1
        assert score_reasons[0].weight == decision.score  # the score as the decision shows it
        model_reasons = [r for r in decision.reasons if r.kind is ReasonKind.MODEL and r.code != "score"]
        # Reasons in words for everything an officer will look at; green ones carry the score reason only.
        assert model_reasons == (assessment.reasons if decision.lane is not Lane.GREEN else [])
        assert decision.attributes["origin_countries"] == ",".join(sorted({i.origin_country for i in items}))
        assert decision.submitted_at == declaration.submitted_at
        seen["rule_forced"] += chapter_94_from_cn and model_lane is Lane.GREEN
        seen["score_added"] += from_vn
        seen["watchlist"] += listed
        seen["random"] += drawn
        seen["green"] += decision.lane is Lane.GREEN
        seen["model_lane"] += model_lane is not Lane.GREEN
    assert all(count > 0 for count in seen.values()), seen


def test_published_bytes_are_exactly_the_json_of_the_decision_model(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]]
) -> None:
    # A time zone other than UTC and whole seconds: both must come out as pydantic writes them.
    varied = [{**documents[0], "submitted_at": "2021-03-01T23:30:00-05:00"}, *documents[1:200]]
    _, payloads, _ = _run(models, varied, ScoringSettings(random_selection_rate=0.1))
    for payload in payloads:
        decision = Decision.model_validate_json(payload)
        assert orjson.dumps(decision.model_dump(mode="json")) == payload
    assert orjson.loads(payloads[0])["submitted_at"] == "2021-03-01T23:30:00-05:00"


def test_messages_that_are_not_declarations_are_dead_lettered_with_field_and_reason(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]]
) -> None:
    bad_country = {**documents[1], "items": [{**documents[1]["items"][0], "origin_country": "XX"}]}
    missing = {k: v for k, v in documents[2].items() if k != "importer_id"}
    records = _records([documents[0], bad_country, missing, documents[3]])
    records.insert(1, FakeRecord(b"k", b"{not json", offset=99))
    records.append(FakeRecord(b"k", None, offset=100))
    model, _ = models
    publisher = CapturingPublisher()
    pipeline = DeclarationPipeline(
        ScoringSettings(),
        Holder(ActiveModel(model, model.thresholds)),
        lists_with(),
        publisher,  # type: ignore[arg-type]
    )
    dead = asyncio.run(pipeline.handle(records))  # type: ignore[arg-type]
    assert sorted(publisher.decisions()) == sorted([documents[0]["declaration_id"], documents[3]["declaration_id"]])
    reasons = {letter.record.offset: (letter.error, letter.reason) for letter in dead}
    assert reasons[99][0] == "invalid_declaration"
    assert "JSON" in reasons[99][1]
    assert reasons[100] == ("empty", "empty message (no value)")
    assert "items.0.origin_country" in reasons[1][1]
    assert "XX" in reasons[1][1]
    assert "importer_id: Field required" in reasons[2][1]


def test_a_version_2_declaration_naming_a_listed_consignor_is_decided_red_with_the_role_in_the_reason(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]]
) -> None:
    listed = {**documents[0], "parties": [{"role": "consignor", "name": "Kalashnikov Concern", "country": "RU"}]}
    clean = {**documents[1], "parties": [{"role": "consignee", "name": "Van Dijk Trading BV", "country": "NL"}]}
    model, _ = models
    publisher = CapturingPublisher()
    lists = lists_with(
        ("entry", "sdn-org", {"kind": "organization", "name": "Kalashnikov Concern JSC", "list_name": "OFAC SDN",
                              "reason": "RUSSIA-EO14024", "countries": ["RU"]}),
    )  # fmt: skip
    settings = ScoringSettings(random_selection_rate=0.0)
    pipeline = DeclarationPipeline(settings, Holder(ActiveModel(model, model.thresholds)), lists, publisher)  # type: ignore[arg-type]
    assert asyncio.run(pipeline.handle(_records([listed, clean]))) == []  # type: ignore[arg-type]
    decisions = publisher.decisions()
    red = decisions[listed["declaration_id"]]
    assert red.lane is Lane.RED
    watchlist = [r for r in red.reasons if r.kind is ReasonKind.WATCHLIST]
    assert [r.code for r in watchlist] == ["sdn-org"]
    assert watchlist[0].text.startswith("consignor 'Kalashnikov Concern' matches 'Kalashnikov Concern JSC'")
    assert not [r for r in decisions[clean["declaration_id"]].reasons if r.kind is ReasonKind.WATCHLIST]


def test_a_possible_match_leaves_the_lane_to_the_rest_and_is_published_as_pending_review(
    models: tuple[RiskModel, RiskModel], documents: list[dict[str, Any]]
) -> None:
    weak = {**documents[0], "parties": [{"role": "notify", "name": "Kalashnikov Consern", "country": "NL"}]}
    model, _ = models
    publisher = CapturingPublisher()
    lists = lists_with(
        ("entry", "sdn-org", {"kind": "organization", "name": "Kalashnikov Concern JSC", "list_name": "OFAC SDN",
                              "reason": "RUSSIA-EO14024", "countries": ["RU"]}),
    )  # fmt: skip
    settings = ScoringSettings(random_selection_rate=0.0)
    pipeline = DeclarationPipeline(settings, Holder(ActiveModel(model, model.thresholds)), lists, publisher)  # type: ignore[arg-type]
    assert asyncio.run(pipeline.handle(_records([weak, documents[0] | {"declaration_id": "plain"}]))) == []  # type: ignore[arg-type]
    [payload] = [m.value for m in publisher.messages if m.key == str(weak["declaration_id"]).encode()]
    decision = Decision.model_validate_json(payload or b"")
    assert orjson.dumps(decision.model_dump(mode="json")) == payload  # the fast JSON path writes `review` right
    plain = publisher.decisions()["plain"]
    assert decision.review is not None
    assert decision.lane is decision.review.provisional_lane is plain.lane  # the possible match forced nothing
    assert [(m.entry_id, m.subject_key, m.lane) for m in decision.review.possible_matches] == [
        ("sdn-org", "party:KALASHNIKOV CONSERN|NL", Lane.RED)
    ]
    assert plain.review is None
    assert b'"review"' not in orjson.dumps(plain.model_dump(mode="json"))
