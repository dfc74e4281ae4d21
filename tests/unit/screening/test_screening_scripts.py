"""Names written in scripts without vowels (Hebrew, Arabic) match on their consonant skeletons."""

import pytest

from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, compare_names


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        ("Subhi TUFAYLI", "סבה טפיל"),  # Hebrew: bet read as V, no vowels
        ("Fadil Mahmud GHARIB", "فدل مهمد گهرب"),  # Arabic without vowel signs
        ("Samer AL-DANA", "סמר ל-דנ"),
    ],
)
def test_a_name_without_vowels_matches_its_listed_spelling(listed: str, written: str) -> None:
    assert compare_names(listed, written) >= DEFAULT_MATCH_THRESHOLD


def test_different_names_without_vowels_do_not_match() -> None:
    assert compare_names("Subhi TUFAYLI", "סמר ל-דנ") < 0.5
