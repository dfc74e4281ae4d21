"""Indexed evaluation: `evaluate` gives exactly the hits of running every rule on every subject, in rule order."""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portcullis.shared.rules import OPERATORS, STREAM_FIELDS, CompiledRule, FieldType, compile_rule, evaluate
from portcullis.shared.schemas import Declaration, Stream
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import LIST_COUNTRY_CODES, RuleSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DECLARATION: dict[str, Any] = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
PASSENGER: dict[str, Any] = PassengerRecord.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
CONTAINER: dict[str, Any] = ContainerEvent.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]

HS_CODES = ["930200", "930120", "440890", "851712", "850440", "610910", "090111"]
COUNTRIES = ["IR", "KP", "CN", "BE", "VN", "US", "DE"]
AIRPORTS = ["FRA", "JFK", "DXB", "IST", "DOH", "LHR", "TXL"]
PORTS = ["CNSHA", "NLRTM", "SGSIN", "DEHAM", "IRBND", "AEJEA"]


@st.composite
def declarations(draw: st.DrawFn) -> Declaration:
    item = st.fixed_dictionaries(
        {
            "hs6_code": st.sampled_from(HS_CODES),
            "origin_country": st.sampled_from(COUNTRIES),
            "departure_country": st.sampled_from(COUNTRIES),
            "origin_indicator": st.sampled_from(["G", "P"]),
            "tax_type": st.sampled_from(["A", "FEU1", "C"]),
            "tax_rate": st.sampled_from([0.0, 5.0, 8.0]),
            "net_mass_kg": st.sampled_from([0.0, 10.0, 108.0]),
            "item_price": st.sampled_from([0.0, 150.0, 372254.4]),
        }
    )
    header = {
        "office_id": draw(st.sampled_from(["30", "40", "41"])),
        "importer_id": draw(st.sampled_from(["QLRUBN9", "IMP2", "IMP3"])),
        "courier_id": draw(st.sampled_from([None, "C1", "C2"])),
        "transport_mode": draw(st.sampled_from(["10", "40"])),
        "items": draw(st.lists(item, min_size=1, max_size=4)),
    }
    return Declaration.model_validate({**DECLARATION, **header})


@st.composite
def passengers(draw: st.DrawFn) -> PassengerRecord:
    itinerary = draw(st.lists(st.sampled_from(AIRPORTS), min_size=2, max_size=4, unique=True))
    leg = draw(st.integers(0, len(itinerary) - 2))
    document = {**PASSENGER["document"], "issuing_country": draw(st.sampled_from(COUNTRIES))}
    document["type"] = draw(st.sampled_from(["P", "I"]))
    changes = {
        "itinerary": itinerary,
        "departure_airport": itinerary[leg],
        "arrival_airport": itinerary[leg + 1],
        "carrier": draw(st.sampled_from(["LH", "EK", "TK"])),
        "nationality": draw(st.sampled_from(COUNTRIES)),
        "sex": draw(st.sampled_from(["F", "M", "X"])),
        "checked_bags": draw(st.integers(0, 3)),
        "document": document,
    }
    return PassengerRecord.model_validate({**PASSENGER, **changes})


@st.composite
def containers(draw: st.DrawFn) -> ContainerEvent:
    ports = draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=5, unique=True))
    shipper = {**CONTAINER["shipper"], "country": draw(st.sampled_from(COUNTRIES))}
    shipper["party_id"] = draw(st.sampled_from([None, "SHIP1", "SHIP2"]))
    changes = {
        "port_of_loading": ports[0],
        "port_of_discharge": ports[-1],
        "event_location": ports[0],
        "transshipment_ports": ports[1:-1],
        "hs_codes": draw(st.lists(st.sampled_from(HS_CODES), min_size=1, max_size=3)),
        "size_type": draw(st.sampled_from(["42G1", "45G1", "22G1"])),
        "event_type": draw(st.sampled_from(["loaded", "discharged", "gate-in"])),
        "shipper": shipper,
    }
    return ContainerEvent.model_validate({**CONTAINER, **changes})


SUBJECTS = {Stream.DECLARATION: declarations(), Stream.PASSENGER: passengers(), Stream.CONTAINER: containers()}


def observed_values(stream: Stream, subjects: Sequence[Any]) -> dict[str, list[Any]]:
    """Every value each field of the stream takes on the subjects (rules drawn from them hit often)."""
    seen: dict[str, list[Any]] = {}
    for name, spec in STREAM_FIELDS[stream].items():
        values: list[Any] = []
        for subject in subjects:
            items = subject.items if spec.item_level else [None]
            for item in items:
                value = spec.get(subject, item)
                values.extend(value if spec.many else [value])
        seen[name] = sorted({v for v in values if v is not None and v != ""}, key=str)
    return seen


def rule_value(draw: st.DrawFn, field_type: FieldType, pool: list[Any], op: str) -> Any:
    if field_type is FieldType.NUMBER:
        numbers = st.sampled_from([float(v) for v in pool if math.isfinite(v)] or [0.0]) | st.integers(-1, 10)
        if op == "between":
            return sorted(draw(st.lists(numbers, min_size=2, max_size=2)))
        return draw(st.lists(numbers, min_size=1, max_size=3)) if op in {"in", "not_in"} else draw(numbers)
    if field_type is FieldType.COUNTRY:
        known = [v for v in pool if v in LIST_COUNTRY_CODES] + ["FR"]
        texts = st.sampled_from(known + [code.lower() for code in known])  # rules may name them in lower case
    elif op == "prefix":
        texts = st.sampled_from([str(v) for v in pool] or ["X"]).flatmap(
            lambda text: st.integers(1, len(text)).map(lambda n: text[:n])
        )
    else:
        texts = st.sampled_from([str(v) for v in pool] + ["NOPE"])
    return draw(st.lists(texts, min_size=1, max_size=3)) if op in {"in", "not_in"} else draw(texts)


def condition(draw: st.DrawFn, stream: Stream, pools: dict[str, list[Any]], depth: int) -> dict[str, Any]:
    if depth < 3 and draw(st.integers(0, 2)) > 0:
        group = draw(st.sampled_from(["all", "all", "any", "none"]))
        size = draw(st.integers(1, 3))
        return {group: [condition(draw, stream, pools, depth + 1) for _ in range(size)]}
    spec = draw(st.sampled_from(list(STREAM_FIELDS[stream].values())))
    op = draw(st.sampled_from(sorted(OPERATORS[spec.type])))
    return {"field": spec.name, "op": op, "value": rule_value(draw, spec.type, pools[spec.name], op)}


def plain_hits(rules: Sequence[CompiledRule], subject: Any, stream: Stream) -> list[tuple[str, tuple[int, ...]]]:
    """Every rule of the stream in force, on every subject: what `evaluate` must give."""
    active = [rule for rule in rules if rule.spec.stream == stream and rule.in_force(NOW)]
    return [(rule.rule_id, items) for rule in active if (items := rule.matching_items(subject))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_indexed_evaluation_gives_every_hit_of_plain_evaluation(data: st.DataObject) -> None:
    stream = data.draw(st.sampled_from(list(SUBJECTS)))
    subjects = data.draw(st.lists(SUBJECTS[stream], min_size=1, max_size=6))
    pools = observed_values(stream, subjects)
    rules = []
    for number in range(data.draw(st.integers(1, 12))):
        spec = {
            "name": f"rule {number}",
            "reason": "r",
            "stream": data.draw(st.sampled_from([stream, stream, stream, Stream.DECLARATION])),
            "enabled": data.draw(st.sampled_from([True, True, True, False])),
            "action": {"score": 0.1},
            "condition": condition(data.draw, stream, pools, 0),
        }
        if data.draw(st.booleans()) and number % 4 == 3:
            spec["valid_to"] = (NOW - timedelta(days=1)).isoformat()
        try:
            rules.append(compile_rule(f"R-{number}", 1, RuleSpec.model_validate(spec)))
        except ValueError:  # a declaration rule drawn with this stream's fields: not a rule anyone can save
            continue
    hits = evaluate(rules, subjects, NOW, stream=stream)
    assert [[(hit.rule.rule_id, hit.items) for hit in subject_hits] for subject_hits in hits] == [
        plain_hits(rules, subject, stream) for subject in subjects
    ]
    assert all(hit.rule in rules for subject_hits in hits for hit in subject_hits)


def declaration(*items: dict[str, Any], **header: Any) -> Declaration:
    base_item = DECLARATION["items"][0]
    return Declaration.model_validate({**DECLARATION, **header, "items": [{**base_item, **i} for i in items]})


def rule(rule_id: str, condition: dict[str, Any], stream: Stream = Stream.DECLARATION) -> CompiledRule:
    spec = {"name": rule_id, "reason": "r", "stream": stream, "action": {"score": 0.1}, "condition": condition}
    return compile_rule(rule_id, 1, RuleSpec.model_validate(spec))


def test_hits_keep_the_rule_order_whatever_the_index_files_them_under() -> None:
    rules = [
        rule("R-chapter", {"all": [{"field": "hs6_code", "op": "prefix", "value": "93"}]}),
        rule("R-office", {"field": "office_id", "op": "ne", "value": "99"}),  # no necessary test: always run
        rule("R-origin", {"field": "origin_country", "op": "in", "value": ["kp", "IR"]}),
        rule(
            "R-code",
            {
                "any": [
                    {"field": "hs6_code", "op": "eq", "value": "930200"},
                    {"field": "tax_rate", "op": "gt", "value": 1},
                ]
            },
        ),
        rule("R-heading", {"field": "hs6_code", "op": "prefix", "value": "9302"}),
        rule("R-none", {"none": [{"field": "origin_country", "op": "eq", "value": "KP"}]}),
    ]
    subject = declaration(
        {"hs6_code": "440890", "origin_country": "KP"}, {"hs6_code": "930200", "origin_country": "BE", "tax_rate": 0}
    )
    hits = evaluate(rules, [subject, declaration({"hs6_code": "010121"})], NOW)
    assert [(hit.rule.rule_id, hit.items) for hit in hits[0]] == [
        ("R-chapter", (2,)),
        ("R-office", (0,)),
        ("R-origin", (1,)),
        ("R-code", (2,)),
        ("R-heading", (2,)),
        ("R-none", (2,)),
    ]
    assert [(hit.rule.rule_id, hit.items) for hit in hits[1]] == [("R-office", (0,)), ("R-none", (1,))]


def test_many_valued_fields_match_on_any_value_through_the_index() -> None:
    rules = [
        rule("P-via", {"field": "itinerary_airport", "op": "eq", "value": "DXB"}, Stream.PASSENGER),
        rule("P-country", {"field": "itinerary_country", "op": "in", "value": ["ae"]}, Stream.PASSENGER),
        rule("P-not-via", {"field": "itinerary_airport", "op": "ne", "value": "DXB"}, Stream.PASSENGER),
    ]
    via_dubai = PassengerRecord.model_validate(
        {**PASSENGER, "itinerary": ["FRA", "DXB", "JFK"], "departure_airport": "FRA", "arrival_airport": "DXB"}
    )
    direct = PassengerRecord.model_validate(PASSENGER)
    hits = evaluate(rules, [via_dubai, direct], NOW, stream=Stream.PASSENGER)
    names = [[hit.rule.rule_id for hit in subject_hits] for subject_hits in hits]
    assert names == [["P-via", "P-country"], ["P-not-via"]]
    chapter = rule("C-61", {"field": "hs_code", "op": "prefix", "value": "62"}, Stream.CONTAINER)
    event = ContainerEvent.model_validate(CONTAINER)  # hs_codes 610910 and 620462
    assert [hit.rule.rule_id for hit in evaluate([chapter], [event], NOW, stream=Stream.CONTAINER)[0]] == ["C-61"]


def test_a_changed_rule_set_is_evaluated_with_its_own_rules() -> None:
    subject = declaration({"hs6_code": "930200"})
    first = [rule("R-93", {"field": "hs6_code", "op": "prefix", "value": "93"})]
    second = [rule("R-93", {"field": "hs6_code", "op": "prefix", "value": "44"})]
    assert [hit.rule.rule_id for hit in evaluate(first, [subject], NOW)[0]] == ["R-93"]
    assert evaluate(second, [subject], NOW) == [[]]
    assert [hit.rule.rule_id for hit in evaluate(first, [subject], NOW)[0]] == ["R-93"]
