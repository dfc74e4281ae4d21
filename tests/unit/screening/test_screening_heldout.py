"""The held-out labelled pairs: the report's measures, and the categories the matcher must keep apart."""

from pathlib import Path

import pytest

from benchmarks.heldout_pairs import auc, recall_at_fpr, report
from portcullis.shared.screening.pairs import read_name_pairs

HELDOUT = Path(__file__).resolve().parents[3] / "data" / "name-pairs-heldout" / "pairs.csv"


def test_auc_and_recall_at_a_false_positive_rate() -> None:
    assert auc([(0.9, 1), (0.8, 1), (0.2, 0), (0.1, 0)]) == 1.0
    assert auc([(0.5, 1), (0.5, 0)]) == 0.5
    assert auc([(0.1, 1), (0.9, 0)]) == 0.0
    negatives = [(i / 100, 0) for i in range(100)]  # 0.00 .. 0.99
    positives = [(0.97, 1), (0.5, 1)]
    # 5% of non-matches may pass: the threshold sits above 0.94, so 0.97 passes and 0.5 does not.
    assert recall_at_fpr(negatives + positives, 0.05) == 0.5


@pytest.fixture(scope="module")
def held_out() -> dict[str, dict[str, float]]:
    return report(read_name_pairs(HELDOUT))


def test_one_number_written_two_ways_outranks_sister_ships(held_out: dict[str, dict[str, float]]) -> None:
    assert held_out["numerals"]["auc"] >= 0.99  # 0.913 before numbers were read in every form


def test_names_in_other_scripts_rank_above_their_nearest_other_listed_names(
    held_out: dict[str, dict[str, float]],
) -> None:
    assert held_out["cross_script"]["pairs"] > 900
    assert held_out["cross_script"]["auc"] >= 0.85
