"""Parties' name screenings kept across batches: the same answers as screening afresh, dropped when the watchlist
changes (an entry added, changed or removed), and bounded in entries and bytes with gauges that say so."""

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY

from portcullis.scoring.declaration_screening import ScreeningLimits, screen_declarations
from portcullis.scoring.lists import ListState
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection
from portcullis.shared.schemas import Declaration, Lane
from tests.unit.services.stream_fixtures import FakeRecord, document_record, lists_with

DOC = Path(__file__).resolve().parents[3] / "docs" / "wco-data-model.md"
FULL: dict[str, Any] = json.loads(
    re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)[0]
)
LIMITS = ScreeningLimits(threshold=0.85, strong_score=0.95)
AT = datetime(2026, 3, 2, tzinfo=UTC)
OTHER = ("entry", "sdn-other", {"kind": "organization", "name": "Kalashnikov Concern JSC", "countries": ["RU"],
                                "list_name": "OFAC SDN", "reason": "RUSSIA-EO14024"})  # fmt: skip
LISTED = {"kind": "organization", "name": "Haedang Shipping Co Ltd", "countries": ["KP"], "list_name": "OFAC SDN",
          "reason": "DPRK3"}  # fmt: skip


def _declaration(*names: str) -> Declaration:
    document = copy.deepcopy(FULL)
    document["parties"] = [{"role": "consignee", "name": name, "country": "KP"} for name in names]
    document["transport"] = {"port_of_loading": "CNNGB"}
    return Declaration.model_validate(document)


def _screen(lists: ListState, cache: PartyScreeningCache, *names: str) -> Selection:
    selection = Selection()
    screen_declarations(lists, [_declaration(*names)], [selection], AT, LIMITS, cache)
    return selection


def _lookups(result: str) -> float:
    return REGISTRY.get_sample_value("portcullis_party_screening_cache_lookups_total", {"result": result}) or 0.0


def test_a_party_kept_as_clean_is_a_hit_once_its_entry_is_added_and_clean_again_once_removed() -> None:
    lists, cache = lists_with(OTHER), PartyScreeningCache()
    assert _screen(lists, cache, "HAEDANG SHIPPING").reasons == []
    hits = _lookups("hit")
    assert _screen(lists, cache, "Haedang Shipping").reasons == []
    assert _lookups("hit") == hits + 1, "the same party, written otherwise, is screened once"

    lists.apply([document_record(5, "entry", "sdn-haedang", LISTED)])
    selection = _screen(lists, cache, "HAEDANG SHIPPING")
    assert selection.lane is Lane.RED
    assert [reason.code for reason in selection.reasons] == ["sdn-haedang"]

    changed = {**LISTED, "name": "Ryonha Machinery Corp"}
    lists.apply([document_record(6, "entry", "sdn-haedang", changed)])
    assert _screen(lists, cache, "HAEDANG SHIPPING").reasons == []
    assert _screen(lists, cache, "Ryonha Machinery").lane is Lane.RED

    lists.apply([FakeRecord(b"entry:sdn-haedang", None, 7)])
    assert _screen(lists, cache, "Ryonha Machinery").reasons == []


def test_a_kept_screening_serves_every_trader_id_its_name_comes_with() -> None:
    listed_id = {**LISTED, "identifiers": [{"kind": "registration", "number": "KP555"}]}
    lists, cache = lists_with(("entry", "sdn-haedang", listed_id)), PartyScreeningCache()
    document = copy.deepcopy(FULL)
    document["transport"] = {"port_of_loading": "CNNGB"}
    reasons = []
    for party_id in ("KR123", "KP555"):
        document["parties"] = [{"role": "consignee", "name": "Sinhung Foods", "country": "KR", "party_id": party_id}]
        selection = Selection()
        screen_declarations(lists, [Declaration.model_validate(document)], [selection], AT, LIMITS, cache)
        reasons.append(selection.reasons)
    assert reasons[0] == []
    assert [r.code for r in reasons[1]] == ["sdn-haedang"]
    assert "document number matches" in reasons[1][0].text


def test_the_cache_keeps_at_most_its_entries_and_bytes_and_publishes_both() -> None:
    lists = lists_with(OTHER)
    by_entries = PartyScreeningCache(max_entries=2)
    _screen(lists, by_entries, "Daesung Foods", "Hanjin Textiles", "Woosung Machinery")
    assert len(by_entries) == 2
    assert REGISTRY.get_sample_value("portcullis_party_screening_cache_entries") == 2
    assert REGISTRY.get_sample_value("portcullis_party_screening_cache_bytes") == by_entries.size_bytes > 0

    one_size = by_entries.size_bytes // 2
    by_bytes = PartyScreeningCache(max_bytes=one_size + one_size // 2)
    _screen(lists, by_bytes, "Daesung Foods", "Hanjin Textiles", "Woosung Machinery")
    assert len(by_bytes) == 1
    assert 0 < by_bytes.size_bytes <= by_bytes.max_bytes
    # Still right when nothing can be kept.
    assert _screen(lists_with(OTHER), PartyScreeningCache(max_entries=0), "Kalashnikov Concern").lane is Lane.RED


def test_a_party_written_the_same_way_again_is_one_hit_with_the_same_reasons() -> None:
    listed_id = {**LISTED, "identifiers": [{"kind": "registration", "number": "KP555"}]}
    lists = lists_with(("entry", "sdn-haedang", listed_id))
    document = copy.deepcopy(FULL)
    document["transport"] = {"port_of_loading": "CNNGB"}
    document["parties"] = [
        {"role": "consignor", "name": "Haedang Shipping Co Ltd", "country": "KP", "party_id": "KP555"},
        {"role": "consignee", "name": "Sinhung Foods", "country": "KR", "party_id": "KR123"},
    ]
    declaration = Declaration.model_validate(document)
    texts = []
    # One kept party at most (the two evict each other), then the default bounds: each declaration screened twice.
    for cache in (PartyScreeningCache(max_entries=1), PartyScreeningCache()):
        for _ in range(2):
            hits, misses = _lookups("hit"), _lookups("miss")
            selection = Selection()
            screen_declarations(lists, [declaration], [selection], AT, LIMITS, cache)
            texts.append([reason.text for reason in selection.reasons])
    assert texts[0] == texts[1] == texts[2] == texts[3] != []
    assert "consignor 'Haedang Shipping Co Ltd' matches" in texts[0][0]
    assert (_lookups("hit") - hits, _lookups("miss") - misses) == (2, 0), "each party one look-up, a hit"
