from datetime import date

from portcullis.shared.screening import WatchlistEntry, is_valid_imo_number
from portcullis.shared.screening.ofac import country_code, natural_person_name, parse_birth_dates


def _by_id(entries: list[WatchlistEntry]) -> dict[str, WatchlistEntry]:
    return {entry.entry_id: entry for entry in entries}


def test_every_party_and_alias_is_loaded(sdn_entries: list[WatchlistEntry]) -> None:
    assert len(sdn_entries) == 8976
    assert sum(len(entry.aliases) for entry in sdn_entries) == 11910
    assert len({entry.entry_id for entry in sdn_entries}) == 8976


def test_party_types_become_entry_kinds(sdn_entries: list[WatchlistEntry]) -> None:
    kinds = [entry.kind for entry in sdn_entries]
    assert kinds.count("person") == 4620
    assert kinds.count("vessel") == 406
    assert kinds.count("aircraft") == 277
    assert kinds.count("organization") == 8976 - 4620 - 406 - 277


def test_an_individual_has_natural_name_order_birth_date_and_passports(sdn_entries: list[WatchlistEntry]) -> None:
    zawahiri = _by_id(sdn_entries)["ofac-sdn:2676"]
    assert zawahiri.kind == "person"
    assert zawahiri.name == "Dr. Ayman AL ZAWAHIRI"
    assert "Ayman AL-ZAWAHIRI" in zawahiri.aliases
    assert zawahiri.birth_dates == (date(1951, 6, 19),)
    assert {(d.kind, d.number, d.country) for d in zawahiri.documents} == {
        ("passport", "1084010", "EG"),
        ("passport", "19820215", None),
    }
    assert zawahiri.list_name == "OFAC SDN"
    assert "SDGT" in zawahiri.reason


def test_a_vessel_has_its_imo_number_and_flag(sdn_entries: list[WatchlistEntry]) -> None:
    artavil = _by_id(sdn_entries)["ofac-sdn:15036"]
    assert artavil.kind == "vessel"
    assert artavil.imo_number == "9187629"
    assert "IR" in artavil.nationalities
    assert set(artavil.aliases) >= {"ABADAN", "SHONA"}


def test_every_listed_ship_has_an_imo_number_with_a_valid_check_digit(sdn_entries: list[WatchlistEntry]) -> None:
    ships = [entry for entry in sdn_entries if entry.imo_number]
    assert len(ships) == 399
    assert all(entry.kind == "vessel" and is_valid_imo_number(entry.imo_number or "") for entry in ships)


def test_company_imo_numbers_are_documents_not_ship_numbers(sdn_entries: list[WatchlistEntry]) -> None:
    companies = [e for e in sdn_entries if any(d.kind == "imo_company" for d in e.documents)]
    assert len(companies) == 78
    assert all(entry.kind == "organization" for entry in companies)


def test_entries_survive_a_json_round_trip(sdn_entries: list[WatchlistEntry]) -> None:
    for entry in sdn_entries[::500]:
        assert WatchlistEntry.model_validate_json(entry.model_dump_json()) == entry


def test_birth_date_forms() -> None:
    assert parse_birth_dates("DOB 10 Dec 1948; POB Giza") == ((date(1948, 12, 10),), ())
    assert parse_birth_dates("DOB 1938; alt. DOB 1936.") == ((), (1938, 1936))
    assert parse_birth_dates("DOB circa 1950;") == ((), (1949, 1950, 1951))
    assert parse_birth_dates("DOB 1960 to 1962;") == ((), (1960, 1961, 1962))
    assert parse_birth_dates("DOB 01 Jan 1960 to 31 Dec 1961;") == ((), (1960, 1961))
    assert parse_birth_dates("DOB Dec 1970;") == ((), (1970,))


def test_country_names_as_ofac_writes_them() -> None:
    assert country_code("Korea, North") == "KP"
    assert country_code("Iran") == "IR"
    assert country_code("Egypt") == "EG"
    assert country_code("Atlantis") is None


def test_surname_first_names_are_turned_around() -> None:
    assert natural_person_name("NORIEGA, Manuel Antonio") == "Manuel Antonio NORIEGA"
    assert natural_person_name("ABU ZUBAIDA") == "ABU ZUBAIDA"


def test_a_party_under_several_programmes_names_each_in_its_reason(sdn_entries: list[WatchlistEntry]) -> None:
    bank = next(e for e in sdn_entries if e.entry_id == "ofac-sdn:4632")
    assert bank.reason == "OFAC SDN, programmes IRAN, SDGT, IRGC, IFSR"
    assert not any("] [" in entry.reason for entry in sdn_entries)
