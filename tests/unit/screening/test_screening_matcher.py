from datetime import date

import pytest

from portcullis.shared.screening import IdentityDocument, ScreeningQuery, WatchlistEntry, WatchlistIndex


def _person(entry_id: str, name: str, **fields: object) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name="test", kind="person", name=name, **fields)


@pytest.fixture
def index() -> WatchlistIndex:
    index = WatchlistIndex()
    index.extend(
        [
            _person(
                "p1",
                "Ayman AL ZAWAHIRI",
                aliases=("Ahmad Fuad SALIM",),
                birth_dates=(date(1951, 6, 19),),
                nationalities=("EG",),
                documents=(IdentityDocument(kind="passport", number="1084010", country="EG"),),
            ),
            _person("p2", "Asma AKHRAS", birth_years=(1975,)),
            WatchlistEntry(entry_id="o1", list_name="test", kind="organization", name="YONA STAR TRADING LLC"),
            WatchlistEntry(entry_id="v1", list_name="test", kind="vessel", name="OCEAN STAR 1", imo_number="9074729"),
            WatchlistEntry(entry_id="c1", list_name="test", kind="container", name="", container_number="CSQU3054383"),
        ]
    )
    return index


def test_a_listed_name_variant_is_found_with_its_matched_name(index: WatchlistIndex) -> None:
    (match,) = index.screen(ScreeningQuery(name="Aiman al-Zawahri"))
    assert match.entry.entry_id == "p1"
    assert match.matched_name == "Ayman AL ZAWAHIRI"
    assert index.match_threshold <= match.score < 1.0


def test_an_alias_is_found(index: WatchlistIndex) -> None:
    (match,) = index.screen(ScreeningQuery(name="SALIM, Ahmad Fuad"))
    assert match.matched_name == "Ahmad Fuad SALIM"


def test_a_clean_name_finds_nothing(index: WatchlistIndex) -> None:
    assert index.screen(ScreeningQuery(name="Peter Lindqvist")) == []


def test_sibling_company_and_sister_ship_are_not_matches(index: WatchlistIndex) -> None:
    assert index.screen(ScreeningQuery(name="YONA STAR SHIPPING LLC")) == []
    assert index.screen(ScreeningQuery(name="M/V OCEAN STAR 2")) == []
    assert [m.entry.entry_id for m in index.screen(ScreeningQuery(name="MV OCEAN STAR 1"))] == ["v1"]


def test_schema_restricts_the_kinds_searched(index: WatchlistIndex) -> None:
    assert index.screen(ScreeningQuery(name="Ayman al Zawahiri", schema="Organization")) == []
    assert index.screen(ScreeningQuery(name="Ayman al Zawahiri", schema="Person"))


def test_exact_identifiers_decide_on_their_own(index: WatchlistIndex) -> None:
    (by_imo,) = index.screen(ScreeningQuery(imo="IMO 9074729"))
    assert (by_imo.entry.entry_id, by_imo.score) == ("v1", 1.0)
    assert "IMO number matches" in by_imo.evidence
    (by_container,) = index.screen(ScreeningQuery(container_number="csqu 305438-3"))
    assert (by_container.entry.entry_id, by_container.score) == ("c1", 1.0)
    (by_passport,) = index.screen(ScreeningQuery(name="Somebody Else", document_number="1084010"))
    assert (by_passport.entry.entry_id, by_passport.score) == ("p1", 1.0)
    assert "document number matches" in by_passport.evidence


def test_date_of_birth_corroborates_or_contradicts(index: WatchlistIndex) -> None:
    plain = index.screen(ScreeningQuery(name="Aiman al-Zawahri"), threshold=0.0)[0].score
    same = index.screen(ScreeningQuery(name="Aiman al-Zawahri", dob=date(1951, 6, 19)), threshold=0.0)[0]
    other = index.screen(ScreeningQuery(name="Aiman al-Zawahri", dob=date(1980, 1, 1)), threshold=0.0)[0]
    assert same.score > plain > other.score
    assert "date of birth matches" in same.evidence
    assert "date of birth differs" in other.evidence
    assert other.score < index.match_threshold


def test_nationality_is_evidence(index: WatchlistIndex) -> None:
    (match,) = index.screen(ScreeningQuery(name="Ayman al-Zawahiri", country="EG"))
    assert "nationality matches" in match.evidence


def test_a_different_imo_lowers_a_name_match(index: WatchlistIndex) -> None:
    assert index.screen(ScreeningQuery(name="OCEAN STAR 1", imo="9187629")) == []


def test_upsert_and_remove_take_effect_and_change_the_version(index: WatchlistIndex) -> None:
    version = index.version
    index.upsert(_person("p3", "Manuel Antonio NORIEGA"))
    assert index.version > version
    assert len(index) == 6
    assert index.screen(ScreeningQuery(name="NORIEGA, Manuel Antonio"))[0].entry.entry_id == "p3"
    index.upsert(_person("p3", "Felicidad SIEIRO DE NORIEGA"))
    assert index.screen(ScreeningQuery(name="Manuel Antonio Noriega")) == []
    assert index.remove("p3") is True
    assert index.screen(ScreeningQuery(name="Felicidad Sieiro de Noriega")) == []
    assert index.remove("p3") is False
    assert len(index) == 5


def test_removing_many_entries_compacts_and_keeps_the_rest_searchable() -> None:
    index = WatchlistIndex()
    index.extend(_person(f"bulk{i}", f"Person Number{i:05d} Example") for i in range(3000))
    index.upsert(_person("keep", "Ayman AL ZAWAHIRI"))
    for i in range(3000):
        index.remove(f"bulk{i}")
    assert index.name_count == 1
    assert [m.entry.entry_id for m in index.screen(ScreeningQuery(name="Ayman Zawahiri"))] == ["keep"]


def test_results_are_sorted_and_limited(sdn_index: WatchlistIndex) -> None:
    matches = sdn_index.screen(ScreeningQuery(name="Mohammed Ali"), limit=3, threshold=0.5)
    assert len(matches) == 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (ScreeningQuery(name="Aiman al-Zawahri"), "ofac-sdn:2676"),
        (ScreeningQuery(name="BANCO NACIONAL DE CUBA S.A."), "ofac-sdn:306"),
        (ScreeningQuery(name="M/T ARTAVIL", schema="Vessel"), "ofac-sdn:15036"),
        (ScreeningQuery(imo="IMO 9187629"), "ofac-sdn:15036"),
        (ScreeningQuery(name="Manuel Antonio Noriega"), "ofac-sdn:1572"),
        # Names made only of very common words: each word's posting is too long to take whole.
        (ScreeningQuery(name="ALI IBRAHIM", schema="Person"), "ofac-sdn:22149"),
        (ScreeningQuery(name="Mohammed Ibrahim"), "ofac-sdn:21165"),
        (ScreeningQuery(name="Ahmad Ali"), "ofac-sdn:21908"),
    ],
)
def test_screening_against_the_sdn_list(sdn_index: WatchlistIndex, query: ScreeningQuery, expected: str) -> None:
    assert expected in [m.entry.entry_id for m in sdn_index.screen(query)]


def test_screen_many_answers_each_query_of_a_batch_in_order(index: WatchlistIndex) -> None:
    batch = [
        ScreeningQuery(name="Aiman al-Zawahri"),
        ScreeningQuery(name="Peter Lindqvist"),
        ScreeningQuery(imo="IMO 9074729"),
        ScreeningQuery(name="AIMAN AL ZAWAHRI"),  # the first query again, written otherwise
        ScreeningQuery(name="Aiman al-Zawahri", dob=date(1980, 1, 1)),  # same name, contradicting date of birth
    ]
    results = index.screen_many(batch)
    assert [[m.entry.entry_id for m in matches] for matches in results] == [["p1"], [], ["v1"], ["p1"], []]
    assert results == [index.screen(query) for query in batch]
    assert index.screen_many([]) == []


def test_screen_many_applies_limit_and_threshold(index: WatchlistIndex) -> None:
    (lenient,) = index.screen_many([ScreeningQuery(name="Aiman al-Zawahri", dob=date(1980, 1, 1))], threshold=0.5)
    assert [m.entry.entry_id for m in lenient] == ["p1"]
    (limited,) = index.screen_many([ScreeningQuery(name="OCEAN STAR 1", imo="9074729")], limit=0)
    assert limited == []


def test_a_renamed_or_removed_entry_is_not_matched_by_a_query_screened_before(index: WatchlistIndex) -> None:
    query = ScreeningQuery(name="Asma Akhras")
    assert [m.entry.entry_id for m in index.screen(query)] == ["p2"]
    index.upsert(_person("p2", "Fawwaz ZAIDAN", birth_years=(1975,)))
    assert index.screen(query) == []
    assert index.screen_many([query]) == [[]]
    renamed = ScreeningQuery(name="Fawwaz Zaidan")
    assert [m.entry.entry_id for m in index.screen(renamed)] == ["p2"]
    index.remove("p2")
    assert index.screen(renamed) == []


def test_a_new_entry_is_found_by_a_query_that_found_nothing_before(index: WatchlistIndex) -> None:
    query = ScreeningQuery(name="Peter Lindqvist", schema="Person")
    assert index.screen(query) == []
    index.extend([_person("p9", "Peter LINDQVIST")])
    assert [m.entry.entry_id for m in index.screen(query)] == ["p9"]


def test_results_do_not_depend_on_the_result_cache(sdn_entries: list[WatchlistEntry]) -> None:
    cached, uncached = WatchlistIndex(result_cache_size=2), WatchlistIndex(result_cache_size=0)
    cached.extend(sdn_entries)
    uncached.extend(sdn_entries)
    queries = [
        ScreeningQuery(name=name, schema=schema)
        for name in ("Aiman al-Zawahri", "BANCO NACIONAL DE CUBA", "Mohammed Ali", "Ivan Petrov", "Aiman Zawahri")
        for schema in (None, "Person")
    ]
    for _ in range(2):  # the second round is answered from the cache where it still holds the query
        for query in queries:
            assert cached.screen(query, threshold=0.7) == uncached.screen(query, threshold=0.7)
    mutated = cached.screen(queries[0])
    mutated.clear()  # a caller changing its list does not change what the cache answers next
    assert cached.screen(queries[0]) == uncached.screen(queries[0]) != []


def test_a_legal_form_mistyped_in_the_query_does_not_hide_the_listed_company(index: WatchlistIndex) -> None:
    # `LLC` was removed from the listed name; `LLK` stays in the query as a word and is not held against it.
    (match,) = index.screen(ScreeningQuery(name="YONA STAR TRADING LLK", schema="Organization"))
    assert match.entry.entry_id == "o1"
    assert match.score == 1.0


def test_among_equally_voted_candidates_the_shortest_names_reach_the_scorer() -> None:
    # Every listed name holds both words of the query, so every one gets the same votes and there are more of them
    # than candidates; the listed person whose name is the query plus one short word was listed last.
    surnames = [
        "ABDELRAHMANOVICH HASSANEIN",
        "BAKRIYEVICH OSTROWSKI",
        "CHARLESWORTH FONTAINEBLEAU",
        "DUBROVNIKOVA KALASHNIKOV",
        "EVANGELISTOU PAPADOPOULOS",
        "FRIEDRICHSEN WOLFENBUTTEL",
        "GRZEGORZEWSKI WASILEWSKI",
        "HOLLINGSWORTH ASHBOURNE",
        "IGNATYEVICH RUMYANTSEV",
        "JACQUEMONTAIS BEAUREGARD",
    ]
    entries = [_person(f"p{i}", f"Mohammed Ali {surname}") for i, surname in enumerate(surnames)]
    entries.append(_person("kony", "Ali Mohammed KONY"))
    index = WatchlistIndex(max_candidates=4, max_rescored=4)
    index.extend(entries)
    assert [match.entry.entry_id for match in index.screen(ScreeningQuery(name="Mohammed Ali"), limit=1)] == ["kony"]
