"""The mirror gap as a rule field of declarations: the validator takes it as a number, and a pair without a gap
reads null, on which no test holds (`ne` neither)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from portcullis.shared.rules import STREAM_FIELDS, FieldType, compile_rule, evaluate, validate_rule
from portcullis.shared.rules.fields import WithMirrorGaps, mirror_fields_tested
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.mirror import MirrorGap
from tests.unit.rules.test_rules_engine import declaration, rule

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def gap(origin: str, hs6: str, unit_value_gap: float | None, value_gap_usd: float = 50_000.0) -> MirrorGap:
    return MirrorGap(
        version="202101-202103-abc",
        origin=origin,
        hs6=hs6,
        unit_value_gap=unit_value_gap,
        value_gap_usd=value_gap_usd,
        partner_unit_value_usd=10.0,
        declared_unit_value_usd=None if unit_value_gap is None else 10.0 * (1 - unit_value_gap),
        period_from="2021-01-01",
        period_to="2021-03-31",
    )


GAPS = {("CN", "382499"): gap("CN", "382499", 0.47), ("CN", "440890"): gap("CN", "440890", 0.02),
        ("VN", "611020"): gap("VN", "611020", None)}  # fmt: skip


def test_the_fields_are_numbers_of_declaration_items() -> None:
    for name in ("mirror_unit_value_gap", "mirror_value_gap_usd"):
        spec = STREAM_FIELDS[Stream.DECLARATION][name]
        assert (spec.type, spec.item_level, spec.nullable) == (FieldType.NUMBER, True, True)
        assert "mirror" in spec.description.lower()
    assert "mirror_unit_value_gap" not in STREAM_FIELDS[Stream.PASSENGER]


def test_the_validator_accepts_a_number_and_refuses_text_and_code_operators() -> None:
    assert validate_rule(rule({"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3})) == []
    assert validate_rule(rule({"field": "mirror_value_gap_usd", "op": "between", "value": [1e4, 1e7]})) == []
    [text] = validate_rule(rule({"field": "mirror_unit_value_gap", "op": "ge", "value": "0.3"}))
    assert (text.field, text.reason) == (
        "condition.value",
        "mirror_unit_value_gap is a number; compare it with numbers",
    )
    [prefix] = validate_rule(rule({"field": "mirror_unit_value_gap", "op": "prefix", "value": "0"}))
    assert prefix.field == "condition.op"
    assert "does not apply to number field 'mirror_unit_value_gap'" in prefix.reason


def _items(condition: dict[str, Any], subject: Any) -> tuple[int, ...]:
    [hits] = evaluate([compile_rule("R-MIRROR", 1, rule(condition))], [subject], NOW)
    return hits[0].items if hits else ()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3}, (1,)),
        ({"field": "mirror_unit_value_gap", "op": "lt", "value": 0.3}, (2,)),
        # Null (no gap for VN 611020, none known for KR 851712): no operator holds, `ne` and `not_in` neither.
        ({"field": "mirror_unit_value_gap", "op": "ne", "value": 5}, (1, 2)),
        ({"field": "mirror_unit_value_gap", "op": "not_in", "value": [5]}, (1, 2)),
        ({"field": "mirror_value_gap_usd", "op": "gt", "value": 0}, (1, 2, 3)),
    ],
)
def test_each_item_reads_the_gap_of_its_origin_and_hs6(condition: dict[str, Any], expected: tuple[int, ...]) -> None:
    subject = declaration(
        {"origin_country": "CN", "hs6_code": "382499"},
        {"origin_country": "CN", "hs6_code": "440890"},
        {"origin_country": "VN", "hs6_code": "611020"},
        {"origin_country": "KR", "hs6_code": "851712"},
    )
    assert _items(condition, WithMirrorGaps(subject, GAPS)) == expected


def test_without_a_gap_table_the_field_is_null_and_no_rule_on_it_fires() -> None:
    subject = declaration({"origin_country": "CN", "hs6_code": "382499"})
    assert _items({"field": "mirror_unit_value_gap", "op": "ne", "value": 5}, subject) == ()
    assert _items({"field": "mirror_unit_value_gap", "op": "ge", "value": -100}, subject) == ()
    both = {"any": [{"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3},
                    {"field": "hs6_code", "op": "eq", "value": "382499"}]}  # fmt: skip
    assert _items(both, subject) == (1,)  # the rest of a rule still holds


def test_the_gap_fields_a_rule_tests_are_found_at_any_depth_and_only_as_fields() -> None:
    """Backtests refuse rules on the gap (no gap table over history) and scoring names the pair in the reason: both
    find the fields by walking the condition, not by the rule's text (a reason naming a gap field tests none)."""
    nested = {"all": [{"field": "hs6_code", "op": "prefix", "value": "38"},
                      {"any": [{"none": [{"field": "mirror_value_gap_usd", "op": "ge", "value": 1e4}]},
                               {"field": "mirror_unit_value_gap", "op": "ge", "value": 0.3}]}]}  # fmt: skip
    assert mirror_fields_tested(rule(nested).condition) == {"mirror_value_gap_usd", "mirror_unit_value_gap"}
    named = rule({"field": "hs6_code", "op": "prefix", "value": "38"}, reason='not the "mirror_unit_value_gap"')
    assert mirror_fields_tested(named.condition) == frozenset()
