# ruff: noqa: RUF001  (names written in Cyrillic)
"""One threshold means the same across scripts: calibrated on the tuning set's non-matches only."""

from pathlib import Path

import pytest

from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, compare_names
from portcullis.shared.screening.pairs import in_cyrillic, read_name_pairs

TUNING = Path(__file__).resolve().parents[2] / "data" / "name_pairs.csv"


def _false_positive_rate(pairs: list[tuple[str, str]]) -> float:
    return sum(compare_names(a, b) >= DEFAULT_MATCH_THRESHOLD for a, b in pairs) / len(pairs)


def test_the_threshold_lets_through_as_many_non_matches_across_scripts_as_in_latin() -> None:
    non_matches = [(pair.name1, pair.name2) for pair in read_name_pairs(TUNING) if not pair.label]
    latin = _false_positive_rate(non_matches)
    across_scripts = _false_positive_rate([(a, in_cyrillic(b)) for a, b in non_matches])
    # Uncalibrated, the Cyrillic-written non-matches passed 0.85 about half as often (1.1% against 2.0%).
    assert across_scripts == pytest.approx(latin, abs=0.002)


def test_calibration_leaves_the_number_cap_in_force() -> None:
    assert compare_names("ОКЕАН СТАР 2", "OKEAN STAR 3") <= 0.5
    assert compare_names("ОКЕАН СТАР 2", "OKEAN STAR 2") == 1.0
