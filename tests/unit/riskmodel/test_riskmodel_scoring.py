"""Scoring: the CSV and Declaration paths agree, declarations score as their riskiest item, reasons."""

from datetime import UTC, datetime

import numpy as np
import pytest

from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import LabelledItems, items_to_declarations
from portcullis.shared.riskmodel.frame import declarations_to_items
from portcullis.shared.schemas import Declaration, DeclarationItem, Lane, ReasonKind


def test_declaration_path_scores_exactly_like_the_csv_path(small_model: RiskModel, valid_items: LabelledItems) -> None:
    items = valid_items.items.iloc[:500]
    declarations = list(items_to_declarations(items))
    from_csv = small_model.score_items(items)
    from_declarations = np.array([a.score for a in small_model.assess(declarations)])
    assert len(declarations) == 500
    np.testing.assert_array_equal(from_csv, from_declarations)


def _declaration(items: list[DeclarationItem], importer: str = "QLRUBN9") -> Declaration:
    return Declaration(
        declaration_id="MULTI-1",
        submitted_at=datetime(2021, 2, 1, 9, tzinfo=UTC),
        office_id="30",
        process_type="B",
        import_type="11",
        import_use="21",
        payment_type="11",
        transport_mode="10",
        declarant_id="ZZR1LT6",
        importer_id=importer,
        seller_id="0VKY2BR",
        items=items,
    )


def test_multi_item_declaration_scores_as_its_riskiest_item(small_model: RiskModel, valid_items: LabelledItems) -> None:
    declarations = list(items_to_declarations(valid_items.items.iloc[:300]))
    single = small_model.assess(declarations)
    riskiest = max(range(300), key=lambda i: single[i].score)
    safest = min(range(300), key=lambda i: single[i].score)
    combined = _declaration([declarations[safest].items[0], declarations[riskiest].items[0]])
    alone = [small_model.assess([_declaration([declarations[i].items[0]])])[0].score for i in (safest, riskiest)]
    (assessment,) = small_model.assess([combined], explain_min_lane=Lane.GREEN)
    assert assessment.score == max(alone)
    assert assessment.item_index == 1
    assert alone[0] < alone[1]


def test_reasons_only_for_yellow_and_red_and_they_read_as_sentences(
    small_model: RiskModel, valid_items: LabelledItems
) -> None:
    assessments = small_model.assess(list(items_to_declarations(valid_items.items.iloc[:1000])))
    lanes = {a.lane for a in assessments}
    assert lanes == {Lane.GREEN, Lane.YELLOW, Lane.RED}
    for assessment in assessments:
        if assessment.lane is Lane.GREEN:
            assert assessment.reasons == []
        else:
            assert 1 <= len(assessment.reasons) <= 3
            weights = [r.weight or 0.0 for r in assessment.reasons]
            assert all(w > 0 for w in weights)
            for reason in assessment.reasons:
                assert reason.kind is ReasonKind.MODEL
                assert reason.code in small_model.feature_names
                assert reason.text
                assert reason.text != reason.code
    texts = [r.text for a in assessments for r in a.reasons]
    assert any("found fraud" in t for t in texts)


def test_unseen_traders_and_codes_still_score(small_model: RiskModel) -> None:
    item = DeclarationItem(
        hs6_code="010121",
        origin_country="IS",
        departure_country="IS",
        origin_indicator="Q9",
        tax_type="NEW1",
        tax_rate=3.0,
        net_mass_kg=0.0,
        item_price=0.0,
    )
    declaration = _declaration([item], importer="NEVER-SEEN")
    (assessment,) = small_model.assess([declaration], explain_min_lane=Lane.GREEN)
    assert 0.0 < assessment.score < 1.0
    features = small_model.features(declarations_to_items([declaration]))
    assert features.loc[0, "fraud_rate_hs6"] == pytest.approx(small_model.stats.prior)
    assert features.loc[0, "fraud_rate_hs6_origin"] == pytest.approx(small_model.stats.prior)
    assert np.isnan(features.loc[0, "cat_hs6"])


def test_empty_batch_gives_no_assessments(small_model: RiskModel) -> None:
    assert small_model.assess([]) == []


@pytest.mark.parametrize(("red_rate", "yellow_rate"), [(0.05, 0.10), (0.02, 0.05)])
def test_lane_shares_follow_the_capacity_rates(
    small_model: RiskModel, valid_items: LabelledItems, red_rate: float, yellow_rate: float
) -> None:
    thresholds = small_model.thresholds.with_rates(red_rate, yellow_rate)
    lanes = thresholds.lanes_for(small_model.score_items(valid_items.items))
    # Thresholds come from this very sample, so the shares match up to ties.
    assert abs(lanes.count(Lane.RED) / len(lanes) - red_rate) < 0.01
    assert abs(lanes.count(Lane.YELLOW) / len(lanes) - yellow_rate) < 0.015


def test_fast_contributions_add_up_to_the_score_like_treeshap(
    small_model: RiskModel, valid_items: LabelledItems
) -> None:
    features = small_model.features(valid_items.items.iloc[:200])
    raw = small_model.booster.predict(features, raw_score=True)
    fast = small_model.contributions(features)
    exact = small_model.contributions(features, exact=True)
    np.testing.assert_allclose(fast.sum(axis=1), raw, atol=1e-9)
    np.testing.assert_allclose(exact.sum(axis=1), raw, atol=1e-9)
    # Both methods should mostly agree on which feature raised the score most.
    agreement = np.mean(np.argmax(fast[:, :-1], axis=1) == np.argmax(exact[:, :-1], axis=1))
    assert agreement > 0.4


def test_reasons_do_not_depend_on_the_batch_a_declaration_arrives_in(
    small_model: RiskModel, valid_items: LabelledItems
) -> None:
    # A large batch is tabulated tree by tree, a small one in one gather: the contributions (so the reasons and
    # their weights) must be the very same numbers either way.
    features = small_model.features(valid_items.items.iloc[:2000])
    whole = small_model.contributions(features)
    pieces = np.vstack([small_model.contributions(features.iloc[start : start + 10]) for start in range(0, 2000, 10)])
    assert np.array_equal(whole, pieces)
