"""The tuning pairs for the other-script readings: apart from the held-out set, written in their scripts."""

from pathlib import Path

import pytest

from benchmarks.romanise_tuning import HELDOUT_PAIRS, WRITERS, build
from portcullis.shared.screening.pairs import NamePair, read_name_pairs

SDN = Path(__file__).resolve().parents[3] / "data" / "ofac-sdn"


@pytest.fixture(scope="module")
def tuning_pairs() -> list[NamePair]:
    return build(SDN)


def test_no_tuning_pair_uses_a_name_of_the_held_out_set(tuning_pairs: list[NamePair]) -> None:
    held_out = {pair.name1 for pair in read_name_pairs(HELDOUT_PAIRS)}
    assert len(tuning_pairs) > 1000
    assert not held_out & {pair.name1 for pair in tuning_pairs}


def test_every_script_has_matches_and_non_matches(tuning_pairs: list[NamePair]) -> None:
    for script in WRITERS:
        labels = [pair.label for pair in tuning_pairs if pair.variant.split(":")[1] == script]
        assert sum(labels) >= 100, script
        assert len(labels) - sum(labels) >= 100, script


@pytest.mark.parametrize("script", sorted(WRITERS))
def test_each_writer_leaves_no_latin_letter(script: str) -> None:
    written = WRITERS[script]("Quincy Wex-Jackson O'Hara Zyphch")
    assert written.strip()
    assert not any(char.isascii() and char.isalpha() for char in written), written
