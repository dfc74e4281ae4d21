"""Scoring's view of the watchlist topic: documents, deletions and tombstones applied in order; selectivity."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from portcullis.scoring.lists import ListState
from portcullis.scoring.selectivity import select_declarations
from portcullis.shared.schemas import Declaration, Lane, ReasonKind
from portcullis.shared.schemas.watchlist import TraderRole
from portcullis.shared.screening import ScreeningQuery

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass
class FakeRecord:
    key: bytes | None
    value: bytes | None
    offset: int
    timestamp: int = 0


def entry_record(
    offset: int, entry_id: str, spec: dict[str, Any], version: int = 1, deleted: bool = False
) -> FakeRecord:
    document = {
        "type": "entry",
        "id": entry_id,
        "version": version,
        "deleted": deleted,
        "changed_by": "a",
        "changed_at": "2026-01-01T00:00:00Z",
        "entry": {"list_name": "National list", "reason": "under investigation", **spec},
    }
    return FakeRecord(f"entry:{entry_id}".encode(), orjson.dumps(document), offset)


def rule_record(offset: int, rule_id: str, spec: dict[str, Any]) -> FakeRecord:
    document = {
        "type": "rule",
        "id": rule_id,
        "version": 1,
        "changed_by": "a",
        "changed_at": "2026-01-01T00:00:00Z",
        "rule": {"name": rule_id, "reason": f"reason of {rule_id}", **spec},
    }
    return FakeRecord(f"rule:{rule_id}".encode(), orjson.dumps(document), offset)


def declaration(**header: Any) -> Declaration:
    example = dict(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    example.update(header)
    return Declaration.model_validate(example)


IMPORTER = {"kind": "trader", "role": "importer", "trader_id": "QLRUBN9"}


def test_trader_ids_are_listed_changed_and_removed_in_topic_order() -> None:
    state = ListState()
    state.apply([entry_record(0, "wl-1", IMPORTER)], live=False)  # type: ignore[list-item]
    assert [d.id for d in state.traders(TraderRole.IMPORTER, "QLRUBN9")] == ["wl-1"]
    assert state.watchlist_version == "offset-0"
    moved = {**IMPORTER, "trader_id": "OTHER1"}
    state.apply([entry_record(1, "wl-1", moved, version=2)])  # type: ignore[list-item]
    assert state.traders(TraderRole.IMPORTER, "QLRUBN9") == ()
    assert len(state.traders(TraderRole.IMPORTER, "OTHER1")) == 1
    state.apply([entry_record(2, "wl-1", moved, version=3, deleted=True)])  # type: ignore[list-item]
    assert state.traders(TraderRole.IMPORTER, "OTHER1") == ()
    state.apply([entry_record(3, "wl-2", IMPORTER), FakeRecord(b"entry:wl-2", None, 4)])  # type: ignore[list-item]
    assert state.traders(TraderRole.IMPORTER, "QLRUBN9") == ()
    assert state.watchlist_version == "offset-4"


def test_names_go_to_the_screening_index_and_malformed_messages_are_skipped() -> None:
    state = ListState()
    vessel = {"kind": "vessel", "name": "Ocean Star", "imo_number": "9074729"}
    state.apply([entry_record(0, "wl-v", vessel), FakeRecord(b"entry:bad", b"{not json", 1)])  # type: ignore[list-item]
    assert [m.entry.entry_id for m in state.index.screen(ScreeningQuery(imo="IMO 9074729"))] == ["wl-v"]
    assert state.entry_count == 1
    state.apply([entry_record(2, "wl-v", vessel, version=2, deleted=True)])  # type: ignore[list-item]
    assert state.index.screen(ScreeningQuery(imo="9074729")) == []


def test_rules_then_watchlists_force_the_stricter_lane_and_add_scores_with_reasons() -> None:
    state = ListState()
    state.apply(
        [  # type: ignore[list-item]
            rule_record(
                0, "R-ADD", {"action": {"score": 0.2}, "condition": {"field": "office_id", "op": "eq", "value": "30"}}
            ),
            rule_record(
                1,
                "R-YELLOW",
                {"action": {"lane": "yellow"}, "condition": {"field": "hs6_code", "op": "prefix", "value": "44"}},
            ),
            entry_record(2, "wl-1", {**IMPORTER, "action": {"lane": "red"}}),
            entry_record(
                3, "wl-2", {"kind": "trader", "role": "seller", "trader_id": "0VKY2BR", "action": {"score": 0.1}}
            ),
            entry_record(4, "wl-3", {**IMPORTER, "valid_to": "2026-01-01T00:00:00Z"}),  # expired: no effect
        ]
    )
    [listed, other] = select_declarations(
        state, [declaration(), declaration(importer_id="CLEAN1", office_id="40")], NOW
    )
    assert listed.lane is Lane.RED
    assert round(listed.score_added, 6) == 0.3
    assert [(r.kind, r.code) for r in listed.reasons] == [
        (ReasonKind.RULE, "R-ADD"),
        (ReasonKind.RULE, "R-YELLOW"),
        (ReasonKind.WATCHLIST, "wl-1"),
        (ReasonKind.WATCHLIST, "wl-2"),
    ]
    assert listed.reasons[1].text == "reason of R-YELLOW (item 1)"
    assert "importer QLRUBN9" in listed.reasons[2].text
    assert "National list" in listed.reasons[2].text
    assert other.lane is Lane.YELLOW
    assert [r.code for r in other.reasons] == ["R-YELLOW", "wl-2"]
    assert state.rules_version == "offset-1"
    assert state.watchlist_version == "offset-4"
