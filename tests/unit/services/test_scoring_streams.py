"""Scoring passenger records and container events: rules, watchlist hits, indicators, lanes and reasons."""

from typing import Any

import orjson

from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.scoring.selectivity import select_declarations
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.schemas import Decision, Declaration, ReasonKind
from tests.unit.services.stream_fixtures import (
    NOW,
    SETTINGS,
    CapturingPublisher,
    FakeRecord,
    container,
    lists_with,
    passenger,
    records,
)

LISTED_PERSON = {
    "kind": "person",
    "list_name": "National watchlist",
    "reason": "wanted for arms trafficking",
    "name": "Viktor Anatolyevich BOUT",
    "birth_dates": ["1967-01-13"],
    "nationalities": ["RU"],
    "action": {"lane": "red"},
}
LISTED_VESSEL = {
    "kind": "vessel",
    "list_name": "OFAC SDN",
    "reason": "IRAN-EO13846",
    "name": "ARTAVAND",
    "imo_number": "9074729",
    "action": {"lane": "red"},
}
WEIGHT_RULE = {
    "name": "VGM against declared weight",
    "stream": "container",
    "reason": "verified gross mass differs from the declared weight by more than 5%: scan",
    "action": {"lane": "yellow"},
    "condition": {"field": "weight_discrepancy_pct", "op": "gt", "value": 5},
}


def reasons(decision: Decision, kind: ReasonKind) -> list[str]:
    return [r.text for r in decision.reasons if r.kind is kind]


async def score(
    pipeline: PassengerPipeline | ContainerPipeline, documents: list[dict[str, Any]]
) -> dict[str, Decision]:
    publisher = pipeline._publisher
    assert isinstance(publisher, CapturingPublisher)
    id_field = "record_id" if isinstance(pipeline, PassengerPipeline) else "event_id"
    dead = await pipeline.handle(records(documents, id_field))  # type: ignore[arg-type]
    assert dead == []
    return publisher.decisions()


def passengers(*documents: tuple[str, str, dict[str, Any]], settings: ScoringSettings = SETTINGS) -> PassengerPipeline:
    return PassengerPipeline(settings, lists_with(*documents), CapturingPublisher())  # type: ignore[arg-type]


def containers(*documents: tuple[str, str, dict[str, Any]], settings: ScoringSettings = SETTINGS) -> ContainerPipeline:
    return ContainerPipeline(settings, lists_with(*documents), CapturingPublisher())  # type: ignore[arg-type]


async def test_a_listed_traveller_spelled_another_way_is_held_with_the_entry_named() -> None:
    pipeline = passengers(("entry", "wl-bout", LISTED_PERSON))
    listed = passenger(
        record_id="P1",
        surname="Butt",
        given_names="Victor Anatolyevich",
        date_of_birth="1967-01-13",
        nationality="RU",
    )
    listed["document"] = {**listed["document"], "issuing_country": "RU"}
    other = passenger(record_id="P2")
    decisions = await score(pipeline, [listed, other])
    held = decisions["P1"]
    assert held.lane == "red"
    [text] = reasons(held, ReasonKind.WATCHLIST)
    assert "'Viktor Anatolyevich BOUT'" in text
    assert "National watchlist" in text
    assert "wl-bout" in text
    assert "date of birth matches" in text
    assert "arms trafficking" in text
    assert held.reasons[0].code == "wl-bout"
    assert held.reasons[0].weight is not None
    assert held.reasons[0].weight >= 0.85
    assert decisions["P2"].lane == "green"
    assert reasons(decisions["P2"], ReasonKind.WATCHLIST) == []
    # Attributes name the flight and the port of entry, never the traveller.
    assert held.attributes["flight"] == "LH400"
    assert held.attributes["office_id"] == "JFK"
    assert not {"Butt", "Victor Anatolyevich", "1967-01-13"} & set(held.attributes.values())
    assert held.stream == "passenger"
    assert held.model_version == "passenger-indicators-1"


async def test_a_weaker_name_match_waits_for_an_analysts_review_instead_of_a_lane() -> None:
    name_only = {key: value for key, value in LISTED_PERSON.items() if key not in {"birth_dates", "nationalities"}}
    pipeline = passengers(("entry", "wl-bout", name_only))
    # A name close to the listed one, with no date of birth or nationality listed to corroborate it.
    weak = passenger(record_id="P3", surname="Butt", given_names="Victor Anatolyevich")
    decision = (await score(pipeline, [weak]))["P3"]
    [text] = reasons(decision, ReasonKind.WATCHLIST)
    assert decision.lane == "green"
    assert "possible match pending an analyst's review" in text
    assert decision.review is not None
    assert decision.review.provisional_lane == "green"
    [possible] = decision.review.possible_matches
    assert (possible.entry_id, possible.list_name, possible.lane) == ("wl-bout", "National watchlist", "red")
    # The traveller's document by its issuing state and a digest: never the number itself.
    issuing = weak["document"]["issuing_country"]
    assert possible.subject_key.startswith(f"document:{issuing}:")
    assert weak["document"]["number"] not in possible.subject_key


async def test_a_weaker_name_match_is_questioned_below_a_raised_review_threshold() -> None:
    name_only = {key: value for key, value in LISTED_PERSON.items() if key not in {"birth_dates", "nationalities"}}
    settings = ScoringSettings(random_selection_rate=0.0, passenger_review_threshold=0.94)
    pipeline = passengers(("entry", "wl-bout", name_only), settings=settings)
    weak = passenger(record_id="P3", surname="Butt", given_names="Victor Anatolyevich")
    decision = (await score(pipeline, [weak]))["P3"]
    assert decision.lane == "yellow"
    assert decision.review is None


async def test_an_expired_document_is_questioned_and_with_a_broken_journey_held() -> None:
    pipeline = passengers()
    expired = passenger(record_id="P4")
    expired["document"] = {**expired["document"], "expiry_date": "2026-02-01"}
    both = passenger(record_id="P5", itinerary=["LHR", "DXB", "FRA", "JFK"])
    both["document"] = {**both["document"], "expiry_date": "2026-02-01"}
    decisions = await score(pipeline, [expired, both, passenger(record_id="P6")])
    assert decisions["P4"].lane == "yellow"
    assert "travel document expired 28 days before the scheduled arrival" in reasons(decisions["P4"], ReasonKind.MODEL)
    assert decisions["P5"].lane == "red"
    assert any("itinerary LHR-DXB-FRA-JFK flies" in t for t in reasons(decisions["P5"], ReasonKind.MODEL))
    assert decisions["P5"].score > decisions["P4"].score > decisions["P6"].score == 0.0
    assert decisions["P6"].lane == "green"


async def test_passenger_rules_use_their_fields_and_other_streams_rules_stay_out() -> None:
    rule = {
        "name": "Routes via a hub of concern",
        "stream": "passenger",
        "reason": "itinerary through DXB with a document valid under 180 days",
        "action": {"lane": "yellow"},
        "condition": {
            "all": [
                {"field": "itinerary_airport", "op": "eq", "value": "DXB"},
                {"field": "document_validity_days", "op": "lt", "value": 180},
            ]
        },
    }
    pipeline = passengers(("rule", "R-DXB", rule), ("rule", "R-VGM", WEIGHT_RULE))
    via_dxb = passenger(record_id="P7", itinerary=["DXB", "FRA", "JFK"])
    via_dxb["document"] = {**via_dxb["document"], "expiry_date": "2026-06-01"}
    decisions = await score(pipeline, [via_dxb, passenger(record_id="P8", itinerary=["DXB", "FRA", "JFK"])])
    assert decisions["P7"].lane == "yellow"
    assert reasons(decisions["P7"], ReasonKind.RULE) == [rule["reason"]]
    assert decisions["P7"].reasons[0].code == "R-DXB"
    assert reasons(decisions["P8"], ReasonKind.RULE) == []
    # Declarations are not evaluated against passenger or container rules.
    example = Declaration.model_validate(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    assert select_declarations(pipeline._lists, [example], NOW)[0].reasons == []


async def test_a_container_on_a_listed_vessel_is_red_with_that_reason() -> None:
    pipeline = containers(("entry", "ofac-sdn:1", LISTED_VESSEL))
    on_listed = container(event_id="E1")
    elsewhere = container(event_id="E2", vessel_imo="9321483", vessel_name="MSC ORION")
    decisions = await score(pipeline, [on_listed, elsewhere])
    red = decisions["E1"]
    assert red.lane == "red"
    [text] = reasons(red, ReasonKind.WATCHLIST)
    assert text.startswith("vessel IMO 9074729 is 'ARTAVAND' on the watchlist 'OFAC SDN' (entry ofac-sdn:1")
    assert "IMO number matches" in text
    assert "IRAN-EO13846" in text
    assert decisions["E2"].lane == "green"
    assert red.attributes["vessel_imo"] == "9074729"
    assert red.attributes["office_id"] == "CNSHA"
    assert red.attributes["importer_id"] == "NL812345678"
    assert red.submitted_at == on_listed_time()


def on_listed_time():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(str(container()["event_time"]))


async def test_a_weight_discrepancy_beyond_the_rules_tolerance_gets_its_lane_and_reason() -> None:
    pipeline = containers(("rule", "R-VGM", WEIGHT_RULE))
    within = container(event_id="E3", verified_gross_mass_kg=18_900.0)  # 3.6%
    beyond = container(event_id="E4", verified_gross_mass_kg=19_600.0)  # 7.4%
    far_beyond = container(event_id="E5", verified_gross_mass_kg=24_000.0)  # 31.5%
    decisions = await score(pipeline, [within, beyond, far_beyond])
    assert decisions["E3"].lane == "green"
    assert reasons(decisions["E3"], ReasonKind.RULE) == []
    assert decisions["E4"].lane == "yellow"
    assert reasons(decisions["E4"], ReasonKind.RULE) == [WEIGHT_RULE["reason"]]
    assert decisions["E5"].lane == "yellow"
    assert "verified gross mass 24,000 kg is 32% above the 18,250 kg declared" in reasons(
        decisions["E5"], ReasonKind.MODEL
    )


async def test_changed_seals_a_sanctioned_port_and_a_listed_box_or_consignee() -> None:
    box = {"kind": "container", "list_name": "Seizures", "reason": "box used in a cocaine seizure",
           "container_number": "CSQU3054383", "action": {"lane": "red"}}  # fmt: skip
    company = {"kind": "organization", "list_name": "OFAC SDN", "reason": "SDGT", "name": "Van Dijk Trading BV",
               "action": {"lane": "red"}}  # fmt: skip
    pipeline = containers(("entry", "wl-box", box), ("entry", "wl-org", company))
    resealed = container(event_id="E6", previous_seal_numbers=["CN7654321"])
    via_iran = container(event_id="E7", transshipment_ports=["IRBND"], seal_numbers=["CN1234567"])
    decisions = await score(pipeline, [resealed, via_iran])
    assert any("seals changed since the previous event" in t for t in reasons(decisions["E6"], ReasonKind.MODEL))
    assert any("route passes IRBND" in t for t in reasons(decisions["E7"], ReasonKind.MODEL))
    watchlist = reasons(decisions["E6"], ReasonKind.WATCHLIST)
    assert any(t.startswith("container CSQU3054383 is listed on the watchlist 'Seizures'") for t in watchlist)
    assert any(t.startswith("consignee 'Van Dijk Trading BV' is 'Van Dijk Trading BV'") for t in watchlist)
    assert decisions["E6"].lane == decisions["E7"].lane == "red"


async def test_invalid_records_are_dead_lettered_naming_the_field() -> None:
    pipeline = containers()
    bad_box = container(event_id="E8", container_number="CSQU3054384")
    dead = await pipeline.handle(
        [FakeRecord(b"E8", orjson.dumps(bad_box)), FakeRecord(b"E9", None), FakeRecord(b"E10", b"{not json")]  # type: ignore[list-item]
    )
    assert [d.error for d in dead] == ["invalid_container", "empty", "invalid_container"]
    assert dead[0].reason.startswith("container_number:")
    assert "check digit" in dead[0].reason
    people = passengers()
    bad_airport = passenger(record_id="P9", arrival_airport="QQQ")
    [letter] = await people.handle([FakeRecord(b"P9", orjson.dumps(bad_airport))])  # type: ignore[list-item]
    assert letter.error == "invalid_passenger"
    assert "arrival_airport" in letter.reason


async def test_random_selection_sends_a_share_of_would_be_green_items_to_the_configured_lane() -> None:
    settings = ScoringSettings(random_selection_rate=0.5, random_selection_secret="s")  # type: ignore[arg-type]
    pipeline = containers(settings=settings)
    decisions = await score(pipeline, [container(event_id=f"R{n}") for n in range(200)])
    drawn = [d for d in decisions.values() if d.random_selection]
    assert 60 < len(drawn) < 140
    assert {d.lane for d in drawn} == {"yellow"}
    assert all(reasons(d, ReasonKind.RANDOM) for d in drawn)
    assert all(r.weight == 0.5 for d in drawn for r in d.reasons if r.kind is ReasonKind.RANDOM)
    again = await score(containers(settings=settings), [container(event_id=f"R{n}") for n in range(200)])
    assert {k for k, d in again.items() if d.random_selection} == {d.subject_id for d in drawn}


async def test_a_record_whose_kafka_timestamp_is_no_time_is_dead_lettered_not_retried() -> None:
    # A producer going around ingest can set any CreateTime; year 300,000 cannot be a datetime.
    valid = container(event_id="E11")
    far = FakeRecord(b"E11", orjson.dumps(valid), timestamp=10**16)
    dead = await containers().handle([far])  # type: ignore[list-item]
    assert [d.error for d in dead] == ["invalid_timestamp"]
