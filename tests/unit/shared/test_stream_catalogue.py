"""The stream catalogue is the one declaration every service, the topic layout and the rules read."""

from typing import Any

import pytest

from portcullis.scoring.app import PIPELINES
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import TOPICS, topic_layout
from portcullis.shared.rules import STREAM_FIELDS
from portcullis.shared.schemas import Lane, Stream
from portcullis.shared.schemas.decision import declare_stream
from portcullis.shared.streams import CATALOGUE, CONTAINERS, DECLARATIONS, StreamCatalogue, StreamSpec


def _example(spec: StreamSpec[Any]) -> Any:
    return spec.schema.model_validate(spec.schema.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]


def test_every_decision_kind_is_one_catalogue_entry_with_its_topics_rule_fields_and_pipeline() -> None:
    # Every decision kind is a scored stream of the catalogue (a stream only ingested and stored has no decisions).
    assert [spec.kind for spec in CATALOGUE.scored()] == list(Stream)
    for spec in CATALOGUE.scored():
        assert spec.topic in TOPICS, spec.name
        assert spec.dead_letter_topic in TOPICS, spec.name
        assert TOPICS[spec.topic].partitions == spec.partitions
        assert set(STREAM_FIELDS) >= {spec.kind}, spec.name
        assert spec.kind in PIPELINES, spec.name
        assert {Lane.GREEN, Lane.YELLOW, Lane.RED} <= set(spec.lanes) <= set(Lane), spec.name


def test_subject_ids_and_partition_keys_come_from_the_declaration() -> None:
    declaration = _example(DECLARATIONS)
    assert DECLARATIONS.subject_id(declaration) == DECLARATIONS.partition_key(declaration) == declaration.declaration_id
    event = _example(CONTAINERS)
    # One container's events stay on one partition, in order; each event is its own decision.
    assert CONTAINERS.partition_key(event) == event.container_number
    assert CONTAINERS.subject_id(event) == event.event_id
    assert CATALOGUE.named("passengers").kind is Stream.PASSENGER
    assert CATALOGUE.of("container") is CONTAINERS


def test_a_stream_only_ingested_gets_its_topics_but_no_scoring_consumer() -> None:
    clearances = StreamSpec(
        kind=declare_stream("clearance-test"),
        name="clearances-test",
        schema=CONTAINERS.schema,
        subject_id=CONTAINERS.subject_id,
        partition_key=CONTAINERS.partition_key,
        summary="Submit one clearance event",
        lanes={},
        scored=False,
    )
    extended = CATALOGUE.with_stream(clearances)
    assert set(topic_layout(extended)) - set(TOPICS) == {"clearances-test", "clearances-test.dlq"}
    assert [spec.name for spec in extended.scored()] == ["declarations", "passengers", "containers"]
    assert list(Stream) == [Stream.DECLARATION, Stream.PASSENGER, Stream.CONTAINER]  # the built-in kinds only


def test_a_catalogue_refuses_two_streams_on_one_topic() -> None:
    with pytest.raises(ValueError, match="share"):
        StreamCatalogue([DECLARATIONS, DECLARATIONS])


def test_scoring_takes_its_settings_for_the_built_in_streams_and_the_catalogue_defaults_otherwise() -> None:
    settings = ScoringSettings(passenger_red_score=0.9, container_random_selection_lane=Lane.RED)
    passengers = settings.scoring_of(CATALOGUE.of(Stream.PASSENGER))
    assert (passengers.yellow_score, passengers.red_score) == (0.4, 0.9)
    assert settings.scoring_of(CONTAINERS).random_selection_lane is Lane.RED
    assert ScoringSettings().scoring_of(CONTAINERS) == CONTAINERS.scoring
    assert settings.group_of(DECLARATIONS) == "portcullis-scoring"
    assert settings.group_of(CONTAINERS) == "portcullis-scoring-containers"
