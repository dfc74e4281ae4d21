"""What the index keeps between screenings (a query word's blocking keys and postings) never outlives a change."""

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
