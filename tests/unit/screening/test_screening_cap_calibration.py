"""The caps' levels: calibrated on the training pairs and the listed names, and what they do to a pair's score."""

from pathlib import Path

import numpy as np
import pytest

from portcullis.shared.screening import WatchlistEntry, compare_names, scoring
from portcullis.shared.screening.cap_calibration import (
    BUSINESS_DIFFERS,
    NO_DISTINCTIVE_WORD,
    NUMBERS_DIFFER,
    ONE_SIDED_NUMBER,
    calibrate,
    calibrated_cap,
    cap_of,
    isotonic_rates,
    listed_evidence,
)
from portcullis.shared.screening.normalize import normalize_name
from portcullis.shared.screening.pair_training import training_pairs

REPOSITORY = Path(__file__).resolve().parents[3]


def test_isotonic_rates_never_fall_as_the_score_rises() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    labels = np.array([0, 1, 0, 0, 0, 1, 0, 1], dtype=float)
    sorted_scores, fitted = isotonic_rates(scores, labels)
    assert list(sorted_scores) == sorted(scores)
    assert all(np.diff(fitted) >= 0)
    assert fitted.sum() == pytest.approx(labels.sum())  # pooling keeps the matches


def test_calibrated_cap_is_the_highest_score_whose_rate_is_at_most_the_capped_pairs_rate() -> None:
    sorted_scores = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    fitted = np.array([0.0, 0.01, 0.05, 0.2, 0.9])
    assert calibrated_cap(0.05, sorted_scores, fitted) == 0.5
    assert calibrated_cap(0.001, sorted_scores, fitted) == 0.1
    assert calibrated_cap(0.0, np.array([0.4]), np.array([0.3])) == 0.0


@pytest.mark.parametrize(
    ("name1", "name2", "cap"),
    [
        ("OCEAN STAR 1", "OCEAN STAR 2", NUMBERS_DIFFER),
        ("OCEAN STAR", "OCEAN STAR 2", ONE_SIDED_NUMBER),
        ("NORTHERN SHIPPING CO", "NORTHERN TRADING CO", BUSINESS_DIFFERS),
        ("BANK SEPAH", "BANK MELLI", NO_DISTINCTIVE_WORD),
        ("KB INVESTMENTS LIMITED", "KBINVESTMENTS LIMITED", None),  # the same words run together
        ("LE CLAUDE", "LE KEU LA UDE", None),  # a word inside the other name run together (split into syllables)
        ("HANBIT SHIPPING", "세파 해운", NO_DISTINCTIVE_WORD),  # across scripts: `SEPA HAEUN` in every reading
        ("Bank Melat Iran", "BANK MELLAT", None),
    ],
)
def test_which_cap_applies(name1: str, name2: str, cap: str | None) -> None:
    assert cap_of(normalize_name(name1), normalize_name(name2)) == cap


def test_listed_names_alike_but_for_a_number_are_counted_by_entry() -> None:
    def vessel(entry_id: str, name: str, *aliases: str) -> WatchlistEntry:
        return WatchlistEntry(entry_id=entry_id, list_name="test", kind="vessel", name=name, aliases=aliases)

    entries = [vessel("v1", "OCEAN STAR 1", "OCEAN STAR"), vessel("v2", "OCEAN STAR 2"), vessel("v3", "OCEAN STAR 3")]
    evidence = listed_evidence(entries)
    assert evidence[NUMBERS_DIFFER] == (0, 3)  # 1-2, 1-3, 2-3: three entries, never one
    assert evidence[ONE_SIDED_NUMBER] == (1, 3)  # OCEAN STAR is v1's own name


def test_shipped_caps_are_the_calibrated_ones(sdn_entries: list[WatchlistEntry]) -> None:
    pairs = training_pairs(sdn_entries, REPOSITORY / "tests" / "data" / "name_pairs.csv")
    levels = {cap: level for cap, (_, level) in calibrate(pairs, listed_evidence(sdn_entries)).items()}
    assert levels == {
        NUMBERS_DIFFER: scoring.NUMBER_MISMATCH_CAP,
        ONE_SIDED_NUMBER: scoring.ONE_SIDED_NUMBER_CAP,
        BUSINESS_DIFFERS: scoring.BUSINESS_MISMATCH_CAP,
        NO_DISTINCTIVE_WORD: scoring.NO_DISTINCTIVE_WORD_CAP,
    }


def test_a_sister_ship_scores_no_higher_than_names_that_share_nothing() -> None:
    sister_ship = compare_names("OCEAN STAR 1", "M/V OCEAN STAR 2")
    assert sister_ship <= 0.12
    assert sister_ship < compare_names("SEA PRINCESS", "OCEAN PRINCE")  # another name altogether, as ex-names are


def test_names_sharing_only_business_words_stay_below_half() -> None:
    assert compare_names("BANK SEPAH", "BANK MELLI") <= 0.5
    assert compare_names("ISLAMIC TRADING COMPANY", "GLOBAL TRADING COMPANY") <= 0.5
    # Initials and names run together are read as the words they stand for: not capped.
    assert compare_names("BIM", "BANK OF INDUSTRY AND MINE") == pytest.approx(0.8)
    assert compare_names("KB INVESTMENTS LIMITED", "KBINVESTMENTS LIMITED") == 1.0


@pytest.mark.parametrize(("latin", "hangul"), [("Kim Min-jun", "김민준"), ("Park Seo-yeon", "박서연")])
def test_a_korean_name_in_hangul_still_matches_its_latin_spelling(latin: str, hangul: str) -> None:
    # Read as one word (`GIMMINJUN`) it shares no word with `KIM MIN JUN`, syllable by syllable (`GIM MIN JUN`) it
    # does: the cap judges the names, not one reading. Before the cap 0.90 and 0.88; capped reading by reading, 0.81
    # and 0.73.
    assert compare_names(latin, hangul) > 0.85
    assert cap_of(normalize_name(latin), normalize_name(hangul)) is None
