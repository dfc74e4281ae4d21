import random

import pytest
from stdnum import imo, iso6346

from portcullis.shared.screening.identifiers import (
    container_check_digit,
    imo_check_digit,
    is_valid_container_number,
    is_valid_imo_number,
    normalize_container_number,
    normalize_imo_number,
)


@pytest.mark.parametrize("number", ["CSQU3054383", "csqu 305438 3", "CSQU-305438-3", "MSCU1234566", "TEXU0000000"])
def test_valid_container_numbers_are_accepted(number: str) -> None:
    assert is_valid_container_number(number)


@pytest.mark.parametrize(
    "number",
    ["CSQU3054384", "CSQX3054383", "CSQU305438", "CS1U3054383", "", "CSQU30543833"],
)
def test_container_numbers_with_a_wrong_check_digit_or_shape_are_rejected(number: str) -> None:
    assert not is_valid_container_number(number)


def test_container_check_digit_of_ten_maps_to_zero() -> None:
    # ISO 6346: the weighted sum of TEXU000000 leaves remainder 10 modulo 11, written as check digit 0.
    assert container_check_digit("TEXU000000") == 0


def test_normalised_container_number_is_compact_upper_case() -> None:
    assert normalize_container_number(" csqu 305438-3 ") == "CSQU3054383"


@pytest.mark.parametrize("number", ["IMO 9074729", "9074729", "imo9074729", "IMO 9187629"])
def test_valid_imo_numbers_are_accepted(number: str) -> None:
    assert is_valid_imo_number(number)


@pytest.mark.parametrize("number", ["IMO 9074728", "907472", "90747290", "IMO 907472A", ""])
def test_invalid_imo_numbers_are_rejected(number: str) -> None:
    assert not is_valid_imo_number(number)


def test_imo_check_digit_and_normaliser() -> None:
    assert imo_check_digit("907472") == 9
    assert normalize_imo_number("IMO 9074729") == "9074729"


def test_check_digits_are_those_of_python_stdnum() -> None:
    # The table-driven check digits agree with the reference implementation on numbers of every owner letter.
    rng = random.Random(6346)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for _ in range(3000):
        first_ten = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("UJZ") + f"{rng.randrange(10**6):06d}"
        assert container_check_digit(first_ten) == int(iso6346.calc_check_digit(first_ten))
        first_six = f"{rng.randrange(10**6):06d}"
        assert imo_check_digit(first_six) == int(imo.calc_check_digit(first_six))


def test_a_container_number_with_a_character_outside_iso_6346_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 6346"):
        container_check_digit("CSQU30543*")
