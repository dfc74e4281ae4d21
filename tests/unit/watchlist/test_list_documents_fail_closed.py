"""A watchlist topic document scoring cannot apply removes the earlier version of its rule or entry, and is counted.

The watchlist service refuses such documents now; an earlier version of it did not (a rule nested 120 levels deep
was saved, then scoring kept applying the version before it, even after the rule was deleted).
"""

from typing import Any

import orjson
from prometheus_client import REGISTRY

from portcullis.scoring.lists import ListState
from portcullis.scoring.selectivity import select_declarations
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.watchlist import TraderRole
from tests.unit.services.stream_fixtures import FakeRecord, document_record
from tests.unit.watchlist.test_scoring_lists import NOW, declaration

RED_FOR_CHAPTER_44 = {
    "name": "wood",
    "reason": "wood from anywhere: examine",
    "action": {"lane": "red"},
    "condition": {"field": "hs6_code", "op": "prefix", "value": "44"},
}
IMPORTER = {"kind": "trader", "role": "importer", "trader_id": "QLRUBN9", "list_name": "L", "reason": "r"}


def rejected(kind: str) -> float:
    return REGISTRY.get_sample_value("portcullis_list_documents_rejected_total", {"kind": kind}) or 0.0


def deep_rule_value(rule_id: str, depth: int) -> bytes:
    """A rule document nested deeper than the topic's JSON decoder reads, as an earlier watchlist service wrote it."""
    condition = '{"field": "hs6_code", "op": "prefix", "value": "44"}'
    for _ in range(depth):
        condition = '{"all": [' + condition + "]}"
    document = {
        "type": "rule",
        "id": rule_id,
        "version": 2,
        "changed_by": "a",
        "changed_at": "2026-01-01T00:00:00Z",
        "rule": {"name": "deep", "reason": "r", "condition": "CONDITION"},
    }
    return orjson.dumps(document).replace(b'"CONDITION"', condition.encode())


def rule_ids(state: ListState, subject: Declaration) -> list[str | None]:
    [selection] = select_declarations(state, [subject], NOW)
    return [reason.code for reason in selection.reasons]


def test_an_unreadable_update_of_a_rule_removes_the_version_before_it() -> None:
    state = ListState()
    state.apply([document_record(0, "rule", "R-WOOD", RED_FOR_CHAPTER_44)], live=False)  # type: ignore[list-item]
    assert rule_ids(state, declaration()) == ["R-WOOD"]
    before = rejected("rule")
    state.apply([FakeRecord(b"rule:R-WOOD", deep_rule_value("R-WOOD", 120), 1)])  # type: ignore[list-item]
    assert rule_ids(state, declaration()) == []
    assert state.rules == ()
    assert state.rules_version == "offset-1"
    assert rejected("rule") == before + 1


def test_a_rule_over_the_limits_that_decodes_is_removed_as_well() -> None:
    state = ListState()
    state.apply([document_record(0, "rule", "R-WOOD", RED_FOR_CHAPTER_44)], live=False)  # type: ignore[list-item]
    too_many = {**RED_FOR_CHAPTER_44, "condition": {"any": [{"all": [RED_FOR_CHAPTER_44["condition"]] * 100}] * 3}}
    before = rejected("rule")
    state.apply([document_record(1, "rule", "R-WOOD", too_many)])  # type: ignore[list-item]
    assert rule_ids(state, declaration()) == []
    assert rejected("rule") == before + 1


def test_an_unreadable_entry_removes_the_entry_and_an_unknown_key_changes_nothing() -> None:
    state = ListState()
    records: list[Any] = [
        document_record(0, "entry", "wl-1", IMPORTER),
        document_record(1, "rule", "R-WOOD", RED_FOR_CHAPTER_44),
    ]
    state.apply(records, live=False)
    assert len(state.traders(TraderRole.IMPORTER, "QLRUBN9")) == 1
    entries_before, unknown_before = rejected("entry"), rejected("unknown")
    state.apply([FakeRecord(b"entry:wl-1", orjson.dumps({"type": "entry", "id": "wl-1"}), 2)])  # type: ignore[list-item]
    assert state.traders(TraderRole.IMPORTER, "QLRUBN9") == ()
    assert state.entry_count == 0
    assert rejected("entry") == entries_before + 1
    state.apply([FakeRecord(b"\xff\xfe", b"{not json", 3), FakeRecord(None, b"[]", 4)])  # type: ignore[list-item]
    assert rule_ids(state, declaration()) == ["R-WOOD"]
    assert rejected("unknown") == unknown_before + 2
