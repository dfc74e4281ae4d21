"""Selectivity rules: validation names the problem, evaluation follows the ASYCUDA criteria semantics."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from portcullis.shared.rules import RuleValidationError, compile_rule, evaluate, validate_rule
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.watchlist import RuleSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def declaration(*items: dict[str, Any], **header: Any) -> Declaration:
    example = dict(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    base_item = example["items"][0]
    example.update(header)
    example["items"] = [{**base_item, **item} for item in items] or [base_item]
    return Declaration.model_validate(example)


def rule(condition: dict[str, Any], **extra: Any) -> RuleSpec:
    return RuleSpec.model_validate(
        {"name": "test", "reason": "because", "action": {"lane": "red"}, "condition": condition, **extra}
    )


ARMS = {
    "all": [
        {"field": "hs6_code", "op": "prefix", "value": "93"},
        {"field": "origin_country", "op": "in", "value": ["IR", "kp"]},
    ]
}


def test_an_item_rule_needs_one_item_that_satisfies_every_test() -> None:
    compiled = compile_rule("R-ARMS", 1, rule(ARMS))
    same_item = declaration({"hs6_code": "440890"}, {"hs6_code": "930200", "origin_country": "KP"})
    split_over_items = declaration({"hs6_code": "930200", "origin_country": "BE"}, {"origin_country": "IR"})
    assert compiled.matching_items(same_item) == (2,)
    assert compiled.matching_items(split_over_items) == ()


def test_header_fields_numbers_and_nesting() -> None:
    condition = {
        "any": [
            {"field": "importer_id", "op": "eq", "value": "QLRUBN9"},
            {
                "all": [
                    {"field": "item_price", "op": "between", "value": [100, 200]},
                    {"field": "tax_rate", "op": "gt", "value": 5},
                ]
            },
        ]
    }
    compiled = compile_rule("R2", 1, rule(condition))
    assert compiled.matching_items(declaration()) == (1,)  # importer matches; reported against item 1
    other = declaration({"item_price": 150.0, "tax_rate": 8.0}, importer_id="OTHER")
    assert compiled.matching_items(other) == (1,)
    assert compiled.matching_items(declaration({"item_price": 150.0, "tax_rate": 1.0}, importer_id="OTHER")) == ()
    header_only = compile_rule("R3", 1, rule({"none": [{"field": "office_id", "op": "in", "value": ["30", "40"]}]}))
    assert header_only.matching_items(declaration()) == ()
    assert header_only.matching_items(declaration(office_id="99")) == (0,)


def test_rules_outside_their_validity_window_or_disabled_do_not_apply() -> None:
    always = compile_rule("R1", 1, rule({"field": "office_id", "op": "eq", "value": "30"}))
    expired = compile_rule(
        "R2", 1, rule({"field": "office_id", "op": "eq", "value": "30"}, valid_to=(NOW - timedelta(days=1)).isoformat())
    )
    future = compile_rule(
        "R3",
        1,
        rule({"field": "office_id", "op": "eq", "value": "30"}, valid_from=(NOW + timedelta(days=1)).isoformat()),
    )
    disabled = compile_rule("R4", 1, rule({"field": "office_id", "op": "eq", "value": "30"}, enabled=False))
    hits = evaluate([always, expired, future, disabled], [declaration()], NOW)
    assert [hit.rule.rule_id for hit in hits[0]] == ["R1"]


@pytest.mark.parametrize(
    ("condition", "field", "words"),
    [
        ({"field": "hs7_code", "op": "eq", "value": "1"}, "condition.field", "unknown field 'hs7_code'"),
        ({"field": "tax_rate", "op": "prefix", "value": "9"}, "condition.op", "does not apply to number"),
        ({"field": "origin_country", "op": "prefix", "value": "I"}, "condition.op", "does not apply to country"),
        ({"field": "origin_country", "op": "in", "value": ["IR", "QQ"]}, "condition.value", "QQ"),
        ({"field": "hs6_code", "op": "in", "value": "93"}, "condition.value", "needs a list"),
        ({"field": "net_mass_kg", "op": "gt", "value": "heavy"}, "condition.value", "is a number"),
        ({"field": "item_price", "op": "between", "value": [5, 1]}, "condition.value", "low <= high"),
        (
            {"all": [{"field": "hs6_code", "op": "eq", "value": "930200"}, {"field": "x", "op": "eq", "value": "1"}]},
            "condition.all.1.field",
            "unknown field",
        ),
    ],
)
def test_validation_names_the_field_and_the_reason(condition: dict[str, Any], field: str, words: str) -> None:
    problems = validate_rule(rule(condition))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].reason


def test_malformed_conditions_and_actions_are_refused_by_the_schema() -> None:
    with pytest.raises(ValidationError, match="either"):
        rule({"field": "hs6_code", "op": "eq", "value": "1", "all": [{"field": "a", "op": "eq", "value": "b"}]})
    with pytest.raises(ValidationError, match="needs"):
        rule({"field": "hs6_code", "op": "eq"})
    with pytest.raises(ValidationError, match="either a lane"):
        rule(ARMS, action={"lane": "red", "score": 0.2})
    with pytest.raises(ValidationError, match="valid_to must be after"):
        rule(ARMS, valid_from="2026-02-01T00:00:00Z", valid_to="2026-01-01T00:00:00Z")


def test_a_declaration_field_is_unknown_on_another_stream() -> None:
    with pytest.raises(RuleValidationError) as error:
        compile_rule("R1", 1, rule(ARMS, stream="passenger"))
    assert [p.field for p in error.value.problems] == ["condition.all.0.field", "condition.all.1.field"]
    assert "unknown field 'hs6_code'" in error.value.problems[0].reason


def test_a_stored_rule_round_trips_without_empty_keys() -> None:
    spec = rule(ARMS)
    dumped = spec.model_dump(mode="json")
    assert dumped["condition"] == {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "93"},
            {"field": "origin_country", "op": "in", "value": ["IR", "kp"]},
        ]
    }
    assert RuleSpec.model_validate(dumped) == spec
