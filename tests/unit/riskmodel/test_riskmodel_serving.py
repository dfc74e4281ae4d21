"""The serving fast path computes exactly what the pandas feature pipeline and the CSV path compute."""

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import LabelledItems, items_to_declarations
from portcullis.shared.riskmodel.explain import explain_rows
from portcullis.shared.riskmodel.frame import MISSING_PARTY, declarations_to_items
from portcullis.shared.riskmodel.serving import DeclarationEncoder, header_value
from portcullis.shared.schemas import Declaration, DeclarationItem, Lane


def _odd_declarations(template: list[Declaration]) -> list[Declaration]:
    """Declarations the validation quarter lacks: several items, unseen codes, a courier, non-UTC times."""
    first, second, third = template[0], template[1], template[2]
    unseen = DeclarationItem(
        hs6_code="010121",
        origin_country="IS",
        departure_country="GL",
        origin_indicator="Q9",
        tax_type="NEW1",
        tax_rate=3.0,
        net_mass_kg=0.0,
        item_price=0.0,
    )
    # 23:30 on a Sunday at UTC-05:00 is Monday 04:30 UTC: weekday and month follow UTC in both paths.
    late = datetime(2021, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    return [
        first.model_copy(update={"declaration_id": "MULTI-3", "items": [*first.items, *second.items, unseen]}),
        second.model_copy(update={"declaration_id": "COURIER", "courier_id": "DHL-1", "submitted_at": late}),
        third.model_copy(update={"declaration_id": "NEWCOMER", "importer_id": "NEVER-SEEN", "items": [unseen]}),
        first.model_copy(update={"declaration_id": "TWIN", "items": [*third.items, *third.items]}),
    ]


@pytest.fixture(scope="module")
def declarations(valid_items: LabelledItems) -> list[Declaration]:
    sample = list(items_to_declarations(valid_items.items.iloc[:1500]))
    return sample + _odd_declarations(sample)


def test_encoder_matrix_is_bit_identical_to_the_pandas_features(
    small_model: RiskModel, declarations: list[Declaration]
) -> None:
    encoder = DeclarationEncoder(small_model.stats, small_model.spec, small_model.feature_names)
    encoded = encoder.encode(declarations)
    expected = small_model.features(declarations_to_items(declarations)).to_numpy(dtype=np.float64)
    assert encoded.matrix.shape == expected.shape == (len(declarations) + 2 + 1, len(small_model.feature_names))
    np.testing.assert_array_equal(encoded.matrix, expected)  # NaN where NaN, every other value exactly
    assert encoded.counts.tolist()[-4:] == [3, 1, 1, 2]
    assert encoded.starts.tolist()[:3] == [0, 1, 2]


def test_an_unknown_feature_is_refused_rather_than_guessed(small_model: RiskModel) -> None:
    with pytest.raises(KeyError, match="distance_to_port"):
        DeclarationEncoder(small_model.stats, small_model.spec, [*small_model.feature_names, "distance_to_port"])


def test_declarations_score_as_their_riskiest_item_through_the_fast_path(
    small_model: RiskModel, declarations: list[Declaration]
) -> None:
    item_scores = small_model.score_items(declarations_to_items(declarations))
    batch = small_model.score_declarations(declarations)
    np.testing.assert_array_equal(batch.item_scores, item_scores)
    for position in range(len(declarations)):
        start, count = int(batch.encoded.starts[position]), int(batch.encoded.counts[position])
        own = item_scores[start : start + count]
        assert batch.scores[position] == own.max()
        assert batch.item_index(position) == int(np.argmax(own))


def test_fast_reasons_are_the_reasons_of_the_item_frame_path(
    small_model: RiskModel, declarations: list[Declaration]
) -> None:
    batch = small_model.score_declarations(declarations)
    positions = list(range(0, len(declarations), 7)) + list(range(len(declarations) - 4, len(declarations)))
    fast = small_model.explain(batch, positions)
    items = declarations_to_items(declarations)
    rows = batch.top_rows[positions]
    features = small_model.features(items).iloc[rows]
    reference = explain_rows(items.iloc[rows], features, small_model.contributions(features), small_model.stats)
    assert [[(r.code, r.text, r.weight) for r in reasons] for reasons in reference] == fast
    assert sum(len(reasons) for reasons in fast) > len(positions)  # most explained items have reasons


def test_assess_explains_only_from_the_lane_asked(small_model: RiskModel, declarations: list[Declaration]) -> None:
    everything = small_model.assess(declarations, explain_min_lane=Lane.GREEN)
    nothing = small_model.assess(declarations, explain_min_lane=None)
    assert [a.score for a in everything] == [a.score for a in nothing]
    assert all(a.reasons == [] for a in nothing)
    assert sum(bool(a.reasons) for a in everything) > 0.9 * len(declarations)
    assert everything[-4].item_index == batch_top(small_model, declarations[-4])


def batch_top(model: RiskModel, declaration: Declaration) -> int:
    scores = model.score_items(declarations_to_items([declaration]))
    return int(np.argmax(scores))


def test_an_empty_batch_encodes_to_an_empty_matrix(small_model: RiskModel) -> None:
    batch = small_model.score_declarations([])
    assert batch.encoded.matrix.shape == (0, len(small_model.feature_names))
    assert batch.scores.shape == (0,)
    assert small_model.explain(batch, []) == []


def test_submission_time_zone_does_not_change_the_score(
    small_model: RiskModel, declarations: list[Declaration]
) -> None:
    original = declarations[0]
    shifted = original.model_copy(
        update={"submitted_at": original.submitted_at.astimezone(timezone(timedelta(hours=9)))}
    )
    utc = original.model_copy(update={"submitted_at": original.submitted_at.astimezone(UTC)})
    scores = small_model.score_declarations([original, shifted, utc]).scores
    assert scores[0] == scores[1] == scores[2]


def test_a_declaration_without_a_seller_is_featurised_as_training_saw_sellerless_declarations(
    declarations: list[Declaration],
) -> None:
    # Training filled the data set's missing sellers with one placeholder party; both serving paths do the same.
    sellerless = [d for d in declarations if d.seller_id is None]
    assert sellerless, "the validation quarter has declarations without a seller"
    assert set(declarations_to_items(sellerless)["seller_id"]) == {MISSING_PARTY}
    assert {header_value(d, "seller_id") for d in sellerless} == {MISSING_PARTY}
