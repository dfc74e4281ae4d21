"""What the index keeps between screenings never outlives a change; work it skips never changes a result."""

from datetime import date

from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex


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
