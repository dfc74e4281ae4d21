import pytest

from portcullis.shared.screening import compare_names
from portcullis.shared.screening.normalize import normalize_name, phonetic_key


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("José Müller", ("JOSE", "MULLER")),
        ("Сергей Иванов", ("SERGEY", "IVANOV")),
        ("Ἀλέξανδρος", ("ALEXANDROS",)),
        ("张伟", ("ZHANG", "WEI")),
        ("ANGLO-CARIBBEAN CO., LTD.", ("ANGLO", "CARIBBEAN")),
        ("ACTIVOS ISLA BLANCA S.A. DE C.V.", ("ACTIVOS", "ISLA", "BLANCA")),
        ("OOO Yuzhny Proekt", ("YUZHNY", "PROEKT")),
        ("Abar Petroleum FZE", ("ABAR", "PETROLEUM")),
        ("Dr. Ayman AL-ZAWAHIRI", ("AYMAN", "AL", "ZAWAHIRI")),
        ("Sheikh Haji Sa'id", ("SAID",)),
        ("M/V OCEAN STAR", ("OCEAN", "STAR")),
        ("MT Ocean Star", ("OCEAN", "STAR")),
        ("BANK MELLI IRAN (DUBAI BRANCH)", ("BANK", "MELLI", "IRAN")),
        ("Bank Melli Iran, Abu Dhabi Branch", ("BANK", "MELLI", "IRAN")),
        ("OCEAN STAR II", ("OCEAN", "STAR", "2")),
        ("7TH OF TIR INDUSTRIES", ("7", "OF", "TIR", "INDUSTRIES")),
        # Legal forms split in two or with a letter doubled, after the first word.
        ("ISIM ATR LIM ITED", ("ISIM", "ATR")),
        ("KOREA UNGUM CORPORA TION", ("KOREA", "UNGUM")),
        ("NAGHMEH FZZE", ("NAGHMEH",)),
        ("ATLAS TRADING LTTD", ("ATLAS", "TRADING")),
        ("Farid SAAL", ("FARID", "SAAL")),  # a surname, though SAL is a legal form
        ("LIM ITED GOODS", ("LIM", "ITED", "GOODS")),  # the first word is never taken for a legal form
    ],
)
def test_names_normalise_to_comparable_tokens(name: str, tokens: tuple[str, ...]) -> None:
    assert normalize_name(name).tokens == tokens


def test_a_name_made_only_of_legal_words_is_kept() -> None:
    assert normalize_name("Company Ltd").tokens == ("COMPANY", "LTD")


def test_an_annotation_is_stripped_only_when_a_name_is_left() -> None:
    # The SDN list's `OFFICE 39`, written surname-first: `, OFFICE` is the name's own word, not a branch of `39`.
    assert normalize_name("39, OFFICE").sorted == normalize_name("OFFICE 39").sorted
    assert normalize_name("(OFFICE 39)").tokens == ("OFFICE", "39")
    assert normalize_name("ACME, HEAD OFFICE").tokens == ("ACME",)


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("AL-AQSA CHÁRITABLE ORGANIZÁTÍON", "AL-AQSA CHARITABLE ORGANIZATION"),  # a spelled-out form, accented
        ("FOURTEÉNTH OCEAN GMBH & ÇÓ. KG", "FOURTEENTH OCEAN GMBH & CO. KG"),
    ],
)
def test_a_legal_form_written_with_accents_is_removed_as_written_plain(accented: str, plain: str) -> None:
    with_accents, without = normalize_name(accented), normalize_name(plain)
    assert (with_accents.tokens, with_accents.removed) == (without.tokens, without.removed)


@pytest.mark.parametrize(
    ("plain", "accented", "abbreviated"),
    [
        ("BARAKA SOCIETE ANONYME", "BARAKA SOCIÉTÉ ANONYME", "BARAKA S.A."),
        ("BARAKA GESELLSCHAFT MIT BESCHRANKTER HAFTUNG", "BARAKA GESELLSCHAFT MIT BESCHRÄNKTER HAFTUNG", "BARAKA GMBH"),
        ("BARAKA SOCIEDADE ANONIMA", "BARAKA SOCIEDADE ANÓNIMA", "BARAKA SA"),
    ],
)
def test_a_legal_form_rigour_knows_with_accents_is_removed_when_written_plain(
    plain: str, accented: str, abbreviated: str
) -> None:
    # Trade systems often write plain ASCII: `SOCIETE ANONYME` is the form `société anonyme`, not two words of a name.
    assert normalize_name(plain).tokens == normalize_name(accented).tokens == ("BARAKA",)
    assert compare_names(plain, abbreviated) == 1.0


def test_a_name_that_only_looks_like_a_legal_form_plain_keeps_its_words() -> None:
    assert normalize_name("Societe Generale").tokens == ("SOCIETE", "GENERALE")


def test_word_order_does_not_change_the_sorted_form() -> None:
    assert normalize_name("AL ZAWAHIRI, Ayman").sorted == normalize_name("Ayman AL-ZAWAHIRI").sorted


def test_numbers_are_kept_apart_from_words() -> None:
    name = normalize_name("YARD NO.2655 HYUNDAI")
    assert name.numbers == ("2655",)
    assert "YARD" in name.words


@pytest.mark.parametrize(("first", "second"), [("MUHAMMAD", "MOHAMMED"), ("YUSUF", "YOUSSEF"), ("MUHAMMAD", "MHMD")])
def test_transliteration_variants_share_a_sound_key(first: str, second: str) -> None:
    assert phonetic_key(first) == phonetic_key(second)


def test_different_names_have_different_sound_keys() -> None:
    assert phonetic_key("MELLI") != phonetic_key("MELLAT")
    assert phonetic_key("TRADING") != phonetic_key("SHIPPING")


def test_removed_words_are_kept_aside_and_glued_legal_forms_split() -> None:
    listed = normalize_name("NOCTURNUM INC, S. DE R.L. DE C.V.")
    assert listed.tokens == ("NOCTURNUM",)
    assert listed.removed == ("INC", "S", "DE", "RL", "DE", "CV")
    assert normalize_name("OCEAN STAR II").removed == ()  # a numeral is read as a number, not removed
    assert normalize_name("SEABRASSLIMITED").tokens == ("SEABRASS",)
    assert normalize_name("TAWAFUKLTD").tokens == ("TAWAFUK",)
    assert normalize_name("INTERCORP").tokens == ("INTERCORP",)  # `CORP` ends words of listed names: never split
