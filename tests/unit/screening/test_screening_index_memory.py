"""Watchlist updates free what they replace, although the services freeze the index they load out of the garbage
collector's generations (`portcullis.shared.memory.freeze_long_lived`)."""

import gc
import weakref

from portcullis.shared.memory import freeze_long_lived
from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex


def test_changed_and_removed_entries_leave_a_frozen_index(sdn_entries: list[WatchlistEntry]) -> None:
    entries = [entry.model_copy() for entry in sdn_entries[:3000]]  # this index's own objects
    index = WatchlistIndex()
    index.extend(entries)
    index.screen(ScreeningQuery(name=entries[10].name))  # its caches filled, as in service
    changed, removed = entries[10], entries[20]
    old_changed, old_removed = weakref.ref(changed), weakref.ref(removed)
    del entries, changed, removed
    freeze_long_lived()  # what the scoring and watchlist services do once their index is loaded
    try:
        index.upsert(sdn_entries[10].model_copy(update={"aliases": ("A NEW ALIAS",)}))
        assert index.remove(sdn_entries[20].entry_id)
        index.screen(ScreeningQuery(name="A NEW ALIAS"))

        assert old_changed() is None
        assert old_removed() is None
        assert [m.entry.entry_id for m in index.screen(ScreeningQuery(name="A NEW ALIAS"))] == [
            sdn_entries[10].entry_id
        ]
    finally:
        gc.unfreeze()
