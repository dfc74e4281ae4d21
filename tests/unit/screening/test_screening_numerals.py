# ruff: noqa: RUF001  (Cyrillic letters that look Latin are the point)
"""Numbers in any script or as words read as one number; a different number counts against a match."""

import pytest

from portcullis.shared.screening import compare_names, normalize_name


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("OCEAN STAR II", "2"),
        ("OCEAN STAR TWO", "2"),
        ("OCEAN STAR NO. 2", "2"),
        ("远洋二号", "2"),  # Chinese: number two
        ("第三远洋", "3"),  # Chinese: the third
        ("海丰十二号", "12"),
        ("ОКЕАН ٢", "2"),  # Arabic-Indic digit
    ],
)
def test_a_number_reads_the_same_however_it_is_written(written: str, number: str) -> None:
    assert normalize_name(written).numbers == (number,)


def test_numerals_inside_a_word_stay_part_of_it() -> None:
    assert normalize_name("三星电子").numbers == ()  # Samsung Electronics: 三 is not a number here


@pytest.mark.parametrize(
    ("first", "second"),
    [("OCEAN STAR TWO", "M/V OCEAN STAR II"), ("远洋二号", "YUAN YANG NO. 2"), ("OCEAN STAR NO.2", "OCEAN STAR 2")],
)
def test_one_number_written_two_ways_matches(first: str, second: str) -> None:
    assert compare_names(first, second) == 1.0


@pytest.mark.parametrize(("first", "second"), [("远洋二号", "YUAN YANG 3"), ("OCEAN STAR TWO", "OCEAN STAR THREE")])
def test_sister_ships_with_different_numbers_do_not_match(first: str, second: str) -> None:
    assert compare_names(first, second) <= 0.5


@pytest.mark.parametrize(
    ("mistyped", "listed"),
    [("ARCHICONSULT LIMITEDD", "ARCHICONSULT LIMITED"), ("WAYSIDE CORPPORATION", "WAYSIDE CORPORATION")],
)
def test_a_mistyped_legal_form_is_still_a_legal_form(mistyped: str, listed: str) -> None:
    assert compare_names(mistyped, listed) == 1.0


def test_a_word_one_edit_from_a_legal_form_that_starts_a_name_is_kept() -> None:
    assert normalize_name("LIMITER SYSTEMS").tokens == ("LIMITER", "SYSTEMS")


@pytest.mark.parametrize(
    ("first", "second"),
    [("CORAL SEA SHIPPING LLC", "CORAL SEA TRADING LLC"), ("PARDIS BANK", "PARDIS INSURANCE")],
)
def test_siblings_in_different_lines_of_business_do_not_match(first: str, second: str) -> None:
    assert compare_names(first, second) <= 0.75


def test_a_business_word_in_another_language_names_its_line_of_business() -> None:
    assert compare_names("CORAL SEA TEJARAT", "CORAL SEA SHIPPING") <= 0.75  # TEJARAT: trading, in Persian
