"""Scores pinned to what the scorer gave before the speed work (commit 10d58bb): a change meant to be faster only
must leave every one of them as it was. The proof over the whole SDN query stream is
`python -m benchmarks.screening_equivalence`; these cover each floor and cap of the scorer in a unit test."""

import pytest

from portcullis.shared.screening import compare_names


@pytest.mark.parametrize(
    ("name1", "name2", "score"),
    [
        ("MOHAMMED HASSAN", "MUHAMAD HASAN", 0.8957469118183403),  # sound-alike words
        ("Victor BOUT", "Viktor Anatolijevitch BOUT", 0.8341666666666665),  # spelling key, a middle name
        ("Bank Melat Iran", "BANK MELLAT", 0.8900934813978292),  # one edit
        ("Alon Maarakhot Kirur Ltd", "אלון מערכות קירור בע״מ", 0.643),  # Hebrew: skeletons, across scripts
        ("OCEAN STAR 1", "OCEAN STAR 2", 0.12),  # numbers differ (the cap, calibrated 2026-12-04)
        ("NORTHERN SHIPPING CO", "NORTHERN TRADING CO", 0.5247311827956989),  # lines of business differ
        ("TEJARAT BANK", "TRADING BANK", 0.9045454545454544),  # a generic word translated
        ("BIM", "BANK OF INDUSTRY AND MINE", 0.8),  # initials
        ("IFDK, ZAO", "IFDK, ZVO", 1.0),  # a removed legal form mistyped
        ("Yuanqiang Textiles Co Ltd", "Yuanqiang Textile Company Limited", 1.0),
        ("Summit Blue Textiles GmbH", "Apex Crescent Foods Oy", 0.0),
    ],
)
def test_scores_stay_as_before_the_speed_work(name1: str, name2: str, score: float) -> None:
    assert compare_names(name1, name2) == pytest.approx(score, abs=1e-9)
