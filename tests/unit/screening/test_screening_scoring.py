from pathlib import Path

import pytest

from portcullis.shared.screening import DEFAULT_MATCH_THRESHOLD, compare_names
from portcullis.shared.screening.pairs import evaluate, read_name_pairs, recall_by_variant
from portcullis.shared.screening.scoring import NO_DISTINCTIVE_WORD_CAP

PAIRS = Path(__file__).resolve().parents[2] / "data" / "name_pairs.csv"


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("Ayman al-Zawahiri", "Dr. Aiman AL ZAWAHRI"),
        ("AL ZAWAHIRI, Ayman", "Ayman AL-ZAWAHIRI"),
        ("Sergei Ivanov", "Сергей Иванов"),
        ("BANCO NACIONAL DE CUBA", "Banco Nacional de Cuba, S.A."),
        ("BANK MELLI IRAN", "BANK MELLI IRAN (HAMBURG BRANCH)"),
        ("ARTAVIL", "M/T ARTAVIL"),
        ("Manuel Antonio NORIEGA", "NORIEGA, Manuel"),
        ("Abu Musab ABDELWADOUD", "Abou Mossaab ABDELOUADOUD"),
        ("Luis Eduardo LOPEZ MENDEZ", "Luis Edaurdo LOPEZ MENDEZ"),
        # Short words that differ only by romanisation conventions (C/K, W/V): 0.72-0.84 before the spelling floor.
        ("Chol KIM", "CHOL CIM"),
        ("Ngoc Phung VO", "NGOC PHUNG WO"),
        ("Slobodan MILOSEVIC", "SLOBODAN MILOSEWIK"),
        ("Jawad NUR-AL-DIN", "Джавад Нур-ал-дин"),  # noqa: RUF001
        # Legal forms mistyped so that normalisation keeps them, or run together with the name.
        ("IFDK, ZAO", "IFDK, ZVO"),
        ("SIGURO EOOD", "SIGURO EEOD"),
        ("ALWANEO L.L.C. CO.", "ALWANEO L.L.RC. CO."),
        ("NOCTURNUM INC, S. DE R.L. DE C.V.", "NOCTURNUM INK, S. DE R.L. DE C.W."),
        ("SEABRASS LIMITED", "SEABRASSLIMITED"),
        ("HANA BANKING CORPORATION LTD", "HANA BANKING CORPORATIONLTD"),
        # A long middle name or patronymic left out: 0.83-0.85 before.
        ("Ivan TUCHKOV", "Ivan Dmitriyevich TUCHKOV"),
        ("Maria BOVDA", "Maria Anatolyevna BOVDA"),
        # A generic word translated (rigour's tagger: BANCO is BANK).
        ("TEJARAT BANK", "TRADING BANK"),
        ("BANCO NACIONAL", "NATIONAL BANK"),
    ],
)
def test_variants_of_one_name_match(name1: str, name2: str) -> None:
    assert compare_names(name1, name2) >= DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("OCEAN STAR 1", "OCEAN STAR 2"),
        ("M/V OCEAN STAR", "OCEAN STAR 2"),
        ("YONA STAR TRADING", "YONA STAR SHIPPING"),
        ("Asma AKHRAS", "Fawwaz AKHRAS"),
        ("John Smith", "HIZBALLAH"),
        ("PETROCHEMICAL COMPANY 12", "PETROCHEMICAL COMPANY 21"),
    ],
)
def test_different_parties_do_not_match(name1: str, name2: str) -> None:
    assert compare_names(name1, name2) < DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("IFDK", "IFDK ZVO"),  # nothing was removed from the listed name: `ZVO` is a word of the name
        ("GRUPO SAN BLAS, S.A.", "GRUPO BLAS, S.A."),  # `SAN` is no mistyped `SA`
    ],
)
def test_a_word_like_a_legal_form_counts_unless_the_other_name_had_that_form(name1: str, name2: str) -> None:
    with_word, without_word = compare_names(name1, name2), compare_names(name2, name1)
    assert with_word == without_word < 1.0


def test_inner_words_left_out_weigh_less_only_for_persons_spelled_alike_at_both_ends() -> None:
    left_out = compare_names("Ivan TUCHKOV", "Ivan Dmitriyevich TUCHKOV")
    assert left_out > compare_names("TUCHKOV Ivan", "Ivan Dmitriyevich TUCHKOV")  # not in the listed order
    assert compare_names("KORYO BANK", "KORYO COMMERCIAL BANK LTD.") < DEFAULT_MATCH_THRESHOLD
    # First or last word only sounding alike: no middle name left out (clean passengers flagged before this guard).
    assert compare_names("Chloe KIM", "Chol Sam KIM") < DEFAULT_MATCH_THRESHOLD
    assert compare_names("ABDULLAH HUSSEIN NASSER", "Haji Abdullah ANSARI") < DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("initials", "spelled_out"),
    [("BIM", "BANK OF INDUSTRY AND MINE"), ("NITC", "NATIONAL IRANIAN TANKER COMPANY")],
)
def test_initials_rank_the_organisation_near_the_threshold_but_below_it(initials: str, spelled_out: str) -> None:
    score = compare_names(initials, spelled_out)
    assert 0.75 <= score < DEFAULT_MATCH_THRESHOLD
    assert score > compare_names(initials, "BANK OF INDUSTRY AND COMMERCE")


@pytest.mark.parametrize(
    ("acronym", "spelled_out", "other_organisation"),
    [
        # Beginnings of words, not only initials.
        ("CONVIASA", "CONSORCIO VENEZOLANO DE INDUSTRIAS AERONAUTICAS Y SERVICIOS AEREOS, S.A.",
         "CONSORCIO VENEZOLANO DE INDUSTRIAS PETROLERAS, S.A."),
        # One inner word left out (`MINING`).
        ("IMIDRO", "IRANIAN MINES AND MINING INDUSTRIES DEVELOPMENT AND RENOVATION ORGANIZATION",
         "IRANIAN MINES AND MINING INDUSTRIES ORGANIZATION"),
        # No generic word, but a word no name has (one vowel) standing for every word of the other.
        ("PFLP", "POPULAR FRONT FOR THE LIBERATION OF PALESTINE", "POPULAR FRONT FOR THE LIBERATION OF THE SAHARA"),
    ],
)  # fmt: skip
def test_acronyms_of_word_beginnings_rank_the_organisation_near_the_threshold(
    acronym: str, spelled_out: str, other_organisation: str
) -> None:
    score = compare_names(acronym, spelled_out)
    assert 0.75 <= score < DEFAULT_MATCH_THRESHOLD
    assert compare_names(acronym, other_organisation) < 0.5


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("AMIR KHAN", "Abdul Majid Ibrahim Rashid KHAN"),  # a person's initials are no name
        ("AMIR", "Abdul Majid Ibrahim Rashid"),  # nor are they with a vowel or two
        ("ABC TRADING", "ALPHA BETA CHARLIE SHIPPING"),  # initials, but another line of business
        ("COMERCIAL DE NEGOCIOS CLARIDAD", "COMERCIAL DE NEGOCIOS TRADING"),  # TRADING is COMERCIAL, already matched
    ],
)
def test_initials_and_translations_do_not_make_a_match_of_different_names(name1: str, name2: str) -> None:
    assert compare_names(name1, name2) < DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("name1", "name2"),
    [
        ("STICHTING AL-AQSA", "AL-AQSA FOUNDATION"),  # Dutch and English, rigour's organisation symbols
        ("AO ZAVOD FIOLENT", "JSC FIOLENT PLANT"),  # Russian and English, without a business word of generic.py
        ("BANK TOSEE SADERAT IRAN", "EXPORT DEVELOPMENT BANK OF IRAN"),  # Persian words rigour does not know
        ("SHERKAT SAHAND", "SAHAND COMPANY"),  # a Persian word for the legal form the other name had removed
    ],
)
def test_a_generic_word_in_another_language_counts_as_that_word(name1: str, name2: str) -> None:
    assert compare_names(name1, name2) >= DEFAULT_MATCH_THRESHOLD


def test_a_generic_word_shared_in_two_languages_is_no_distinctive_word_shared() -> None:
    # Only AL and FOUNDATION in common: capped as sharing no distinctive word.
    assert compare_names("STICHTING AL-AQSA", "AL-HARAMAIN FOUNDATION") <= NO_DISTINCTIVE_WORD_CAP
    assert compare_names("STICHTING AL-AQSA", "AL-AQSA ASSOCIATION") < 0.6  # another kind of organisation
    assert compare_names("BANK TOSEE SADERAT IRAN", "EXPORT DEVELOPMENT BANK OF INDIA") < DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("listed", "other"),
    [
        ("Muhammad AL-MUHAMMAD", "Muhammad AL-SHAYKH"),  # the title removed, `MUHAMMAD AL`: 1.0 before
        ("Muhammad AL-MUHAMMAD", "Muhammad Ali"),  # 0.98 before
        ("Hassan el-Hajj HASSAN", "Hassan AL-RAYS"),  # 0.90 before
    ],
)
def test_a_word_a_name_repeats_is_matched_once_to_each_word_of_the_other_name(listed: str, other: str) -> None:
    assert compare_names(listed, other) < DEFAULT_MATCH_THRESHOLD
    assert compare_names(other, listed) < DEFAULT_MATCH_THRESHOLD


@pytest.mark.parametrize("variant", ["Muhammad AL-MUHAMMAD", "Mohammed al-Muhammad", "Muhammad Al Muhamad"])
def test_a_name_that_repeats_a_word_still_matches_its_spellings(variant: str) -> None:
    assert compare_names("Muhammad AL-MUHAMMAD", variant) >= DEFAULT_MATCH_THRESHOLD


def test_scores_are_symmetric_and_bounded() -> None:
    pairs = [("Ayman al-Zawahiri", "Ahmad Fuad SALIM"), ("OCEAN STAR 1", "ocean star"), ("", "X")]
    for first, second in pairs:
        score = compare_names(first, second)
        assert 0.0 <= score <= 1.0
        assert score == pytest.approx(compare_names(second, first))


def test_identical_names_score_one() -> None:
    assert compare_names("Banco Nacional de Cuba", "BANCO NACIONAL DE CUBA") == 1.0


def test_labelled_set_recall_and_false_positive_rate_at_the_default_threshold() -> None:
    pairs = read_name_pairs(PAIRS)
    assert len(pairs) > 3000
    (row,) = evaluate(pairs, [DEFAULT_MATCH_THRESHOLD])
    assert row.recall >= 0.92
    assert row.false_positive_rate <= 0.03


def test_hard_non_matches_stay_below_the_threshold() -> None:
    by_variant = recall_by_variant(read_name_pairs(PAIRS), DEFAULT_MATCH_THRESHOLD)
    assert by_variant["numbered"][1] == 1.0
    assert by_variant["sibling_company"][1] >= 0.9
    assert by_variant["same_surname"][1] >= 0.95
