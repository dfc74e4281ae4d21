"""Scoring's mirror gap table: a new table replaces the old one whole once its version record arrives, and a rule
on the gap gives a reason naming the field, its value and the pair in words."""

from datetime import UTC, datetime

from portcullis.scoring.lists import ListState
from portcullis.scoring.mirror_gaps import MirrorGapTable
from portcullis.scoring.selectivity import select_declarations
from portcullis.shared.schemas.mirror import VERSION_KEY, MirrorGap, MirrorGapVersion, gap_key
from tests.unit.rules.test_mirror_rule_fields import gap
from tests.unit.rules.test_rules_engine import declaration
from tests.unit.services.stream_fixtures import FakeRecord, document_record

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def record(offset: int, key: bytes, value: bytes | None) -> FakeRecord:
    return FakeRecord(key, value, offset, topic="mirror-gaps")


def gap_record(offset: int, found: MirrorGap) -> FakeRecord:
    return record(offset, gap_key(found.origin, found.hs6), found.model_dump_json().encode())


def version_record(offset: int, version: str, pairs: int) -> FakeRecord:
    current = MirrorGapVersion(version=version, pairs=pairs, period_from="2021-01-01", period_to="2021-03-31",
                               published_at=NOW)  # fmt: skip
    return record(offset, VERSION_KEY, current.model_dump_json().encode())


def test_a_table_applies_whole_once_its_version_is_named() -> None:
    table = MirrorGapTable()
    old_only, both = gap("CN", "382499", 0.47), gap("CN", "440890", 0.02)
    table.apply([gap_record(0, old_only), gap_record(1, both)])
    assert table.gaps == {}  # held until the version record
    table.apply([version_record(2, old_only.version, 2)])
    assert set(table.gaps) == {("CN", "382499"), ("CN", "440890")}

    renewed = both.model_copy(update={"version": "202102-202104-def", "unit_value_gap": 0.05})
    table.apply([gap_record(3, renewed)])
    assert table.gaps[("CN", "440890")].unit_value_gap == 0.02  # the old table until the new one is complete
    table.apply([version_record(4, renewed.version, 1), record(5, b"gap:XX:000000", b"{not json")])
    assert table.version == renewed.version
    assert table.gaps == {("CN", "440890"): renewed}  # a pair the new table lacks is gone


def test_a_rule_on_the_gap_names_field_value_and_pair_in_words() -> None:
    table = MirrorGapTable()
    found = gap("CN", "382499", 0.47)
    table.apply([gap_record(0, found), version_record(1, found.version, 1)])
    lists = ListState()
    mirror_rule = {"name": "mirror", "reason": "Mirror gap", "action": {"lane": "red"},
                   "condition": {"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3}}  # fmt: skip
    lists.apply([document_record(0, "rule", "R-MIRROR", mirror_rule)], live=False)  # type: ignore[list-item]
    planted = declaration({"origin_country": "CN", "hs6_code": "382499"})
    clean = declaration({"origin_country": "CN", "hs6_code": "440890"})

    hit, missed = select_declarations(lists, [planted, clean], NOW, mirror=table)
    assert missed.reasons == []
    [reason] = hit.reasons
    assert reason.text == (
        "Mirror gap (item 1); mirror analysis (mirror_unit_value_gap 0.47): declarations of HS6 382499 from CN state "
        "USD 5.3 per kg, 47% below the USD 10.00 per kg partner countries report exporting (2021-01-01 to 2021-03-31; "
        "table 202101-202103-abc)"
    )
    [without_table, _] = select_declarations(lists, [planted, clean], NOW)
    assert without_table.reasons == []
