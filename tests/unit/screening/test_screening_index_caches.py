"""What the index keeps between screenings never outlives a change; work it skips never changes a result."""

from datetime import date

from portcullis.shared.screening import Match, ScreeningQuery, WatchlistEntry, WatchlistIndex
from portcullis.shared.screening.normalize import NormalizedName
from portcullis.shared.screening.scoring import name_similarity


def _person(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name="test", kind="person", name=name)


def _found(index: WatchlistIndex, name: str) -> list[tuple[str, str]]:
    return [(m.entry.entry_id, m.matched_name) for m in index.screen(ScreeningQuery(name=name))]


def test_a_word_screened_before_finds_an_entry_added_after() -> None:
    index = WatchlistIndex(result_cache_size=0)
    index.extend([_person("p1", "Ayman AL ZAWAHIRI")])
    assert _found(index, "Kamal Zawahri") == []
    index.upsert(_person("p2", "Kamal ZAWAHRI"))
    assert _found(index, "Kamal Zawahri") == [("p2", "Kamal ZAWAHRI")]


def test_screening_after_compaction_finds_the_renumbered_entries_as_a_new_index_does() -> None:
    index = WatchlistIndex(result_cache_size=0)
    index.extend(_person(f"bulk{i}", f"Person Number{i:05d} Example") for i in range(3000))
    index.extend([_person("keep", "Ayman AL ZAWAHIRI"), _person("also", "Aiman ZAWAHRI")])
    names = ["Ayman Zawahiri", "Aiman Zawahri", "Person Number02999 Example"]
    before = [_found(index, name) for name in names]
    assert before[0][0][0] == "keep"
    assert before[2] == [("bulk2999", "Person Number02999 Example")]
    for i in range(3000):
        index.remove(f"bulk{i}")  # compacts: every remaining name gets another slot
    fresh = WatchlistIndex(result_cache_size=0)
    fresh.extend([_person("keep", "Ayman AL ZAWAHIRI"), _person("also", "Aiman ZAWAHRI")])
    assert [_found(index, name) for name in names] == [_found(fresh, name) for name in names]
    assert _found(index, names[2]) == []
    assert [entry_id for entry_id, _ in _found(index, names[0])][:1] == ["keep"]


def test_corroborating_facts_still_lift_a_name_scoring_well_below_the_threshold() -> None:
    index = WatchlistIndex(result_cache_size=0)
    listed = WatchlistEntry(
        entry_id="p1",
        list_name="test",
        kind="person",
        name="Ayman AL ZAWAHIRI",
        birth_dates=(date(1951, 6, 19),),
        nationalities=("EG",),
    )
    index.extend([listed])
    ((_, name_score, _),) = index.name_scores("Aiman Zawahry").scored
    assert name_score < 0.85
    assert index.screen(ScreeningQuery(name="Aiman Zawahry"), threshold=0.94) == []
    corroborated = ScreeningQuery(name="Aiman Zawahry", dob=date(1951, 6, 19), country="EG")
    (match,) = index.screen(corroborated, threshold=0.94)
    assert match.entry.entry_id == "p1"
    assert match.evidence[1:] == ["date of birth matches", "nationality matches"]


def test_identifiers_no_entry_carries_share_one_screening_and_give_what_an_uncached_index_gives() -> None:
    scored: list[str] = []

    def counting(query: NormalizedName, listed: NormalizedName) -> float:
        scored.append(listed.ordered)
        return name_similarity(query, listed)

    vessel = WatchlistEntry(entry_id="v1", list_name="test", kind="vessel", name="ADRIAN DARYA 1", imo_number="9116412")
    cached, uncached = WatchlistIndex(pair_scorer=counting), WatchlistIndex(result_cache_size=0)
    cached.extend([vessel])
    uncached.extend([vessel])

    def both(imo: str | None) -> list[Match]:
        query = ScreeningQuery(name="Adrian Daria 1", schema="Vessel", imo=imo)  # not the same words: scored
        found = cached.screen(query, threshold=0.5)
        assert found == uncached.screen(query, threshold=0.5)
        return found

    [differs] = both("9074729")
    assert "IMO number differs" in differs.evidence
    calls = len(scored)
    assert calls > 0
    assert both("IMO 9312341") == [differs]  # another number no entry carries: the same screening, not scored again
    assert len(scored) == calls
    [listed] = both("9116412")  # the listed number is its own screening
    assert "IMO number matches" in listed.evidence
    # A listing that carries the number changes the index: the number no longer shares the others' result.
    for index in (cached, uncached):
        index.upsert(vessel.model_copy(update={"entry_id": "v2", "imo_number": "9312341"}))
    assert [m.entry.entry_id for m in both("9312341")] == ["v2", "v1"]
