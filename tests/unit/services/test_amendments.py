"""Amendments in scoring: a subject posted again with other content after it was selected keeps its lane."""

import asyncio
from typing import Any

import orjson

from portcullis.scoring.amendments import SelectionView, content_digest
from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.lists import ListState
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.shared.schemas import Decision, Lane, ReasonKind, Stream
from tests.unit.services.stream_fixtures import (
    SETTINGS,
    CapturingPublisher,
    FakeRecord,
    container,
    lists_with,
    passenger,
    records,
)

WEIGHT_RULE = {
    "name": "VGM against declared weight",
    "stream": "container",
    "reason": "verified gross mass differs from the declared weight by more than 5%: scan",
    "action": {"lane": "yellow"},
    "condition": {"field": "weight_discrepancy_pct", "op": "gt", "value": 5},
}
AMENDED_RULE = {
    "name": "amended after selection",
    "stream": "container",
    "reason": "changed after it was selected: examine",
    "action": {"lane": "red"},
    "condition": {"field": "amended_after_selection", "op": "eq", "value": 1},
}
CARRIER_RULE = {
    "name": "carrier ZZ",
    "stream": "passenger",
    "reason": "carrier under review",
    "action": {"lane": "red"},
    "condition": {"field": "carrier", "op": "eq", "value": "ZZ"},
}
#: A container whose verified mass is 20% above the declared weight (the weight rule sends it to yellow).
HEAVY = container(verified_gross_mass_kg=21900.0)
#: The same event id with the weights agreeing: green on its own.
CORRECTED = container(verified_gross_mass_kg=18250.0)


def containers(lists: ListState, view: SelectionView | None = None) -> ContainerPipeline:
    return ContainerPipeline(SETTINGS, lists, CapturingPublisher(), view)  # type: ignore[arg-type]


def decide(pipeline: ContainerPipeline | PassengerPipeline, *documents: dict[str, Any]) -> list[Decision]:
    """Handle one batch; the decisions it published, in order."""
    publisher = pipeline._publisher
    assert isinstance(publisher, CapturingPublisher)
    before = len(publisher.messages)
    id_field = "record_id" if isinstance(pipeline, PassengerPipeline) else "event_id"
    assert asyncio.run(pipeline.handle(records(list(documents), id_field))) == []  # type: ignore[arg-type]
    return [
        Decision.model_validate_json(m.value or b"")
        for m in publisher.messages[before:]
        if m.topic == SETTINGS.kafka.topic("decisions")
    ]


def amendment_texts(decision: Decision) -> list[str]:
    return [r.text for r in decision.reasons if r.kind is ReasonKind.AMENDMENT]


def test_an_amendment_after_a_yellow_selection_stays_yellow_and_says_why() -> None:
    pipeline = containers(lists_with(("rule", "R-VGM", WEIGHT_RULE)))
    [first] = decide(pipeline, HEAVY)
    assert first.lane is Lane.YELLOW
    assert amendment_texts(first) == []
    [amended] = decide(pipeline, CORRECTED)
    assert amended.lane is Lane.YELLOW  # the corrected weights alone would be green
    assert amendment_texts(amended) == ["amended after selection: the earlier yellow lane stands"]
    assert amended.content_digest == content_digest(orjson.dumps(CORRECTED))  # the record as published
    assert amended.content_digest != first.content_digest


def test_a_replay_of_the_same_content_is_no_amendment() -> None:
    pipeline = containers(lists_with(("rule", "R-VGM", WEIGHT_RULE)))
    [first] = decide(pipeline, HEAVY)
    [again] = decide(pipeline, HEAVY)
    assert again.lane is Lane.YELLOW
    assert amendment_texts(again) == []
    assert again.content_digest == first.content_digest
    decide(pipeline, CORRECTED)
    [replayed] = decide(pipeline, HEAVY)  # the first content again, after the amendment: as decided before
    assert amendment_texts(replayed) == []


def test_rules_can_test_amended_after_selection() -> None:
    pipeline = containers(lists_with(("rule", "R-VGM", WEIGHT_RULE), ("rule", "R-AMEND", AMENDED_RULE)))
    [first] = decide(pipeline, HEAVY)
    assert first.lane is Lane.YELLOW
    assert "R-AMEND" not in {r.code for r in first.reasons}
    [amended] = decide(pipeline, CORRECTED)
    assert amended.lane is Lane.RED
    assert "changed after it was selected: examine" in [r.text for r in amended.reasons if r.kind is ReasonKind.RULE]
    assert amendment_texts(amended) == ["amended after selection (earlier lane yellow)"]


def test_a_subject_never_selected_can_be_amended_freely() -> None:
    pipeline = containers(lists_with(("rule", "R-VGM", WEIGHT_RULE), ("rule", "R-AMEND", AMENDED_RULE)))
    [first] = decide(pipeline, CORRECTED)
    assert first.lane is Lane.GREEN
    [second] = decide(pipeline, container(verified_gross_mass_kg=18300.0))
    assert second.lane is Lane.GREEN
    assert amendment_texts(second) == []


def test_both_versions_in_one_batch_the_second_is_an_amendment() -> None:
    pipeline = containers(lists_with(("rule", "R-VGM", WEIGHT_RULE)))
    first, second = decide(pipeline, HEAVY, CORRECTED)
    assert first.lane is Lane.YELLOW
    assert amendment_texts(first) == []
    assert second.lane is Lane.YELLOW
    assert amendment_texts(second)


def test_another_replica_knows_the_selection_from_the_topic() -> None:
    lists = lists_with(("rule", "R-VGM", WEIGHT_RULE))
    pipeline = containers(lists)
    decide(pipeline, HEAVY)
    publisher = pipeline._publisher
    assert isinstance(publisher, CapturingPublisher)
    published = [m for m in publisher.messages if m.topic == SETTINGS.kafka.topic("selections")]
    assert [(m.key, orjson.loads(m.value or b"")["lane"]) for m in published] == [
        (f"container:{HEAVY['event_id']}".encode(), "yellow")
    ]
    # A replica that starts now reads the topic, then gets the amendment (after a rebalance, say).
    view = SelectionView(SETTINGS.kafka.topic("selections"))
    view.apply([FakeRecord(m.key, m.value, offset=n) for n, m in enumerate(published)])  # type: ignore[misc]
    [amended] = decide(containers(lists, view), CORRECTED)
    assert amended.lane is Lane.YELLOW
    assert amendment_texts(amended)


def test_a_stale_topic_record_never_lowers_the_view() -> None:
    view = SelectionView("selections")
    assert view.note(Stream.PASSENGER, "P1", Lane.YELLOW, "a") is not None
    raised = view.note(Stream.PASSENGER, "P1", Lane.RED, "b")
    assert raised is not None
    assert orjson.loads(raised.value or b"") == {"lane": "red", "digests": ["a", "b"]}
    # The echo of the first note arrives from the topic after the second note.
    view.apply([FakeRecord(b"passenger:P1", orjson.dumps({"lane": "yellow", "digests": ["a"]}))])  # type: ignore[list-item]
    assert view.earlier_lane(Stream.PASSENGER, "P1", "c") is Lane.RED
    assert view.earlier_lane(Stream.PASSENGER, "P1", "b") is None
    assert view.note(Stream.PASSENGER, "P1", Lane.RED, "b") is None  # nothing new: nothing to publish


def test_passengers_a_red_hold_is_not_amended_away() -> None:
    pipeline = PassengerPipeline(SETTINGS, lists_with(("rule", "R-ZZ", CARRIER_RULE)), CapturingPublisher())  # type: ignore[arg-type]
    [held] = decide(pipeline, passenger(carrier="ZZ"))
    assert held.lane is Lane.RED
    [amended] = decide(pipeline, passenger(carrier="LH"))
    assert amended.lane is Lane.RED
    assert amendment_texts(amended) == ["amended after selection: the earlier red lane stands"]
