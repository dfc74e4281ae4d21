"""Rules on passenger records and container events: their fields, many-valued fields, validation naming the field."""

from datetime import UTC, datetime
from typing import Any

import pytest

from portcullis.shared.rules import STREAM_FIELDS, compile_rule, evaluate, validate_rule
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import RuleSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def rule(stream: str, condition: dict[str, Any]) -> RuleSpec:
    return RuleSpec.model_validate(
        {"name": "t", "reason": "r", "stream": stream, "action": {"lane": "yellow"}, "condition": condition}
    )


def holds(stream: str, condition: dict[str, Any], subject: Any) -> bool:
    return bool(compile_rule("R", 1, rule(stream, condition)).matching_items(subject))


def passenger(**changes: Any) -> PassengerRecord:
    return PassengerRecord.model_validate({**PASSENGER, **changes})


def container(**changes: Any) -> ContainerEvent:
    return ContainerEvent.model_validate({**CONTAINER, **changes})


def test_every_passenger_and_container_field_reads_the_example() -> None:
    for stream, example in ((Stream.PASSENGER, passenger()), (Stream.CONTAINER, container())):
        for spec in STREAM_FIELDS[stream].values():
            value = spec.get(example, None)
            values = value if spec.many else (value,)
            assert all(v is not None for v in values), spec.name


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "itinerary_airport", "op": "eq", "value": "DXB"}, True),  # any leg
        ({"field": "itinerary_airport", "op": "ne", "value": "DXB"}, False),  # none of them is DXB: false
        ({"field": "itinerary_airport", "op": "not_in", "value": ["IST", "DOH"]}, True),
        ({"field": "itinerary_country", "op": "in", "value": ["AE"]}, True),
        ({"field": "arrival_country", "op": "eq", "value": "US"}, True),
        ({"field": "route_detour_ratio", "op": "gt", "value": 2.5}, True),  # FRA via DXB to JFK
        ({"field": "itinerary_legs", "op": "eq", "value": 3}, True),
        ({"field": "document_validity_days", "op": "lt", "value": 0}, True),  # expired before arrival
        ({"field": "age_years", "op": "between", "value": [40, 42]}, True),  # born 1984-07-12, flies 2026-03-01
        ({"field": "flight", "op": "eq", "value": "LH400"}, True),
        ({"field": "document_type", "op": "in", "value": ["I", "IP"]}, False),
    ],
)
def test_passenger_fields(condition: dict[str, Any], expected: bool) -> None:
    record = passenger(
        itinerary=["FRA", "DXB", "FRA", "JFK"],
        document={**PASSENGER["document"], "expiry_date": "2026-02-28"},
    )
    assert holds("passenger", condition, record) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "hs_code", "op": "prefix", "value": "6204"}, True),  # the second code
        ({"field": "hs_code", "op": "prefix", "value": "93"}, False),
        ({"field": "transshipment_port", "op": "in", "value": ["SGSIN", "LKCMB"]}, True),
        ({"field": "route_port", "op": "eq", "value": "NLRTM"}, True),
        ({"field": "route_country", "op": "not_in", "value": ["IR", "KP", "SY", "CU"]}, True),
        ({"field": "weight_discrepancy_pct", "op": "gt", "value": 10}, True),  # 20,100 against 18,250: 10.1%
        ({"field": "weight_discrepancy_pct", "op": "gt", "value": 11}, False),
        ({"field": "seals_changed", "op": "eq", "value": True}, True),
        ({"field": "consignee_id", "op": "prefix", "value": "NL"}, True),
        ({"field": "shipper_id", "op": "eq", "value": "X1"}, False),  # none given
        ({"field": "event_type", "op": "eq", "value": "loaded"}, True),
    ],
)
def test_container_fields(condition: dict[str, Any], expected: bool) -> None:
    event = container(verified_gross_mass_kg=20_100.0, previous_seal_numbers=["CN0000001"])
    assert holds("container", condition, event) is expected


def test_a_transshipment_rule_does_not_fire_on_a_direct_route() -> None:
    condition = {"field": "transshipment_port", "op": "eq", "value": "SGSIN"}
    assert holds("container", condition, container(transshipment_ports=[])) is False
    assert holds(
        "container", {"field": "transshipment_count", "op": "eq", "value": 0}, container(transshipment_ports=[])
    )


def test_validation_names_the_field_for_these_streams() -> None:
    [unknown] = validate_rule(rule("container", {"field": "hs6_code", "op": "prefix", "value": "93"}))
    assert unknown.field == "condition.field"
    assert "hs_code" in unknown.reason  # the known fields are listed
    [country] = validate_rule(rule("passenger", {"field": "nationality", "op": "in", "value": ["XX"]}))
    assert country.field == "condition.value"
    assert "XX" in country.reason
    [operator] = validate_rule(rule("container", {"field": "route_country", "op": "prefix", "value": "I"}))
    assert operator.field == "condition.op"


def test_a_batch_sees_only_its_own_streams_rules() -> None:
    on_containers = compile_rule("RC", 1, rule("container", {"field": "hs_code", "op": "prefix", "value": "61"}))
    on_passengers = compile_rule("RP", 1, rule("passenger", {"field": "carrier", "op": "eq", "value": "LH"}))
    rules = [on_containers, on_passengers]
    [[container_hit]] = evaluate(rules, [container()], NOW, stream=Stream.CONTAINER)
    assert container_hit.rule.rule_id == "RC"
    [[passenger_hit]] = evaluate(rules, [passenger()], NOW, stream=Stream.PASSENGER)
    assert passenger_hit.rule.rule_id == "RP"
