# ruff: noqa: RUF001  (names written in Cyrillic and Greek)
"""Names in other scripts read by ICU besides anyascii; legal forms of other languages removed with rigour."""

import pytest

from portcullis.shared.screening import compare_names
from portcullis.shared.screening.normalize import normalize_name


@pytest.mark.parametrize(
    ("spelled_out", "short"),
    [
        ("ACME TRADING GESELLSCHAFT MIT BESCHRAENKTER HAFTUNG", "ACME TRADING GMBH"),  # 0.71 with the hand list
        ("Ромашка общество с ограниченной ответственностью", "ROMASHKA LLC"),
        ("ACME TRADING SOCIEDAD DE RESPONSABILIDAD LIMITADA", "ACME TRADING SRL"),
    ],
)
def test_a_legal_form_spelled_out_in_another_language_weighs_nothing(spelled_out: str, short: str) -> None:
    assert compare_names(spelled_out, short) == 1.0


def test_a_roman_numeral_is_not_taken_for_a_legal_form() -> None:
    # rigour lists `ii` among its legal forms; a sister company differs by exactly that number.
    assert normalize_name("OYSTER INVESTMENTS LLC II").tokens == ("OYSTER", "INVESTMENTS", "2")
    assert compare_names("OYSTER INVESTMENTS LLC II", "OYSTER INVESTMENTS 3") <= 0.5


def test_a_name_in_hebrew_letters_is_read_by_its_consonants_as_well() -> None:
    # anyascii reads the vav as V (`ALVN`, 0.13 against ALON); the consonant skeleton (romanisers.py) as W.
    assert compare_names("אלון", "ALON") >= 0.85
    assert normalize_name("אלון").other_reading is not None


def test_latin_names_have_one_reading() -> None:
    assert normalize_name("José Müller").other_reading is None
    assert normalize_name("ACME TRADING GMBH").other_reading is None


def test_the_better_reading_never_lowers_a_score() -> None:
    # Both readings are scored and the better one counts: a name anyascii already read well keeps its score.
    assert compare_names("Джавад Нур-ал-дин", "Jawad NUR-AL-DIN") >= 0.9
    assert compare_names("Ζαχαρίας Βλάχος", "Zacharias VLACHOS") == 1.0


def test_a_two_letter_legal_form_of_another_script_inside_a_name_stays() -> None:
    # rigour lists the Bulgarian `АД`; in `Фу'ад` it is part of the given name (FUAD), not a legal form.
    assert compare_names("Фу'ад Шукр", "Fu'ad SHUKR") == 1.0


def test_a_spelled_out_legal_form_is_removed_wherever_it_stands() -> None:
    # Before punctuation, at either end, and every time it occurs; the words around it stay.
    assert normalize_name("Mueller Gesellschaft mit beschraenkter Haftung, Hamburg").tokens == ("MUELLER", "HAMBURG")
    twice = "Gesellschaft mit beschraenkter Haftung Mueller Gesellschaft mit beschraenkter Haftung"
    assert normalize_name(twice).tokens == ("MUELLER",)
    assert compare_names("Mueller Gesellschaft mit beschraenkter Haftung, Hamburg", "MUELLER HAMBURG GMBH") == 1.0
