"""Limits that keep every rule the watchlist service saves appliable by scoring (findings 3 and 4 of issue #16)."""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from portcullis.shared.rules import RuleValidationError, compile_rule, validate_rule
from portcullis.shared.rules.limits import MAX_DEPTH, MAX_GROUP, MAX_TESTS
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.watchlist import RuleDocument, RuleSpec, decode_document, encode_document

EXAMPLE: dict[str, Any] = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
TEST = {"field": "hs6_code", "op": "prefix", "value": "44"}


def rule(condition: dict[str, Any]) -> RuleSpec:
    return RuleSpec.model_validate({"name": "n", "reason": "r", "action": {"lane": "red"}, "condition": condition})


def nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = TEST
    for _ in range(depth - 1):
        condition = {"all": [condition]}
    return condition


def problems(spec: RuleSpec) -> list[tuple[str, str]]:
    return [(p.field, p.reason) for p in validate_rule(spec)]


@pytest.mark.parametrize("depth", [1, 2, MAX_DEPTH])
def test_a_rule_within_the_limits_compiles_and_scoring_reads_its_published_document(depth: int) -> None:
    spec = rule(nested(depth))
    assert problems(spec) == []
    document = RuleDocument(id="R-1", version=1, changed_by="a", changed_at="2026-01-01T00:00:00Z", rule=spec)
    read_back = decode_document(encode_document(document))  # what scoring does with the topic message
    assert read_back == document
    compiled = compile_rule("R-1", 1, read_back.rule)  # type: ignore[union-attr]
    assert compiled.matching_items(Declaration.model_validate(EXAMPLE)) == (1,)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 120])
def test_a_condition_nested_too_deep_is_refused_where_it_goes_too_deep(depth: int) -> None:
    [(field, reason)] = problems(rule(nested(depth)))
    assert field == "condition" + ".all.0" * MAX_DEPTH
    assert reason == f"nested more than {MAX_DEPTH} levels of all/any/none deep"


def test_a_thousand_tests_are_refused_not_a_recursion_error() -> None:
    flat = rule({"any": [{"field": "item_price", "op": "gt", "value": n} for n in range(1000)]})
    assert problems(flat) == [("condition.any", f"holds more than {MAX_GROUP} conditions")]
    grouped = rule({"any": [{"all": [TEST] * 100} for _ in range(10)]})
    assert problems(grouped) == [("condition", f"holds 1000 tests; at most {MAX_TESTS}")]


def test_the_longest_rule_allowed_evaluates_like_its_tests_one_by_one() -> None:
    # MAX_GROUP tests in one group, and MAX_TESTS over nested groups: each matches exactly its own price.
    prices = [float(n) for n in range(MAX_GROUP)]
    spec = rule({"any": [{"field": "item_price", "op": "eq", "value": p} for p in prices]})
    groups = [
        {"any": [{"field": "item_price", "op": "eq", "value": p + 1000 * g} for p in prices[:50]]} for g in range(5)
    ]
    long_spec = rule({"none": [{"any": groups}]})
    compiled, long_compiled = compile_rule("R", 1, spec), compile_rule("L", 1, long_spec)
    for price in [0.0, 50.0, 99.0, 100.0, 1049.0, 4001.0]:
        declaration = Declaration.model_validate({**EXAMPLE, "items": [{**EXAMPLE["items"][0], "item_price": price}]})
        assert bool(compiled.matching_items(declaration)) is (price in prices)
        in_groups = any(price - 1000 * g in prices[:50] for g in range(5))
        assert bool(long_compiled.matching_items(declaration)) is not in_groups


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "[1, NaN]"])
def test_numbers_that_are_not_finite_are_refused_at_the_value(value: str) -> None:
    body = '{"name": "n", "reason": "r", "condition": {"field": "item_price", "op": "gt", "value": VALUE}}'
    body = body.replace("VALUE", value)
    with pytest.raises(ValidationError) as error:
        RuleSpec.model_validate(json.loads(body))  # Python's JSON parser, as the API's, reads NaN and Infinity
    [found] = error.value.errors()
    assert found["loc"] == ("condition", "value")
    assert "finite" in found["msg"]


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ({"field": "hs6_code", "op": "in", "value": [f"{n:06d}" for n in range(1001)]}, "lists more than 1000 values"),
        ({"field": "importer_id", "op": "eq", "value": "X" * 101}, "a text value is longer than 100 characters"),
        ({"field": "item_price", "op": "gt", "value": 1e300}, "numbers must lie within ±1e+15"),
    ],
)
def test_values_over_the_limits_are_refused(condition: dict[str, Any], reason: str) -> None:
    assert problems(rule(condition)) == [("condition.value", reason)]
    with pytest.raises(RuleValidationError):
        compile_rule("R", 1, rule(condition))
