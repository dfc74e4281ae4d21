"""The stream catalogue: every stream declared once (topic, dead letters, schema, ids, key, lanes, scoring defaults).

Ingest's routes, scoring's consumers and per-stream settings, the watchlist's rule samples, the gateway's stream
filter and the topic layout (and through it the Kubernetes manifests) all read these declarations.

The subject id names an item (the decision's `subject_id`, what ingest's `accepted` lists, what must not repeat in a
batch). The partition key decides the partition, so it must be the same for every item whose order matters:
declarations and passenger records are decided one by one (keyed by their own id); container events describe one
container's journey, which scoring reads in order to see a changed seal or weight (keyed by container number).
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from portcullis.shared.schemas.clearance import ClearanceEvent
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.decision import Lane, Stream, declare_stream
from portcullis.shared.schemas.declaration import Declaration
from portcullis.shared.schemas.passenger import PassengerRecord

DEAD_LETTER_SUFFIX = ".dlq"

Subject = TypeVar("Subject", bound=BaseModel)


@dataclass(frozen=True)
class ScoringDefaults:
    """How scoring sets a stream's lanes unless its settings say otherwise."""

    #: Risk-indicator score at or above which the lane is yellow, and red (streams scored without a model).
    yellow_score: float = 0.4
    red_score: float = 0.75
    #: The lane a random selection sends a would-be-green subject to.
    random_selection_lane: Lane = Lane.RED
    #: Name-match score from which a match below the hit threshold (scoring's `screening_strong_score`, 0.95) goes
    #: to an analyst's review instead of setting a lane (the matcher's own threshold by default).
    review_threshold: float = 0.85


@dataclass(frozen=True)
class StreamSpec(Generic[Subject]):
    """One stream: what travels on it, how it is keyed, what its lanes mean, how scoring treats it."""

    #: The decision's `stream` value and the name rules and metrics use ("declaration"); the members of `Stream` are
    #: the scored streams' kinds (a stream only ingested takes its kind from `declare_stream`).
    kind: Stream
    #: The topic, ingest's path (`POST /v1/<name>`) and the name of a batch of samples ("declarations").
    name: str
    schema: type[Subject]
    subject_id: Callable[[Subject], str]
    partition_key: Callable[[Subject], str]
    #: Ingest's route summary (`{max_batch}` is filled in).
    summary: str
    #: What each lane means for this stream's subjects.
    lanes: Mapping[Lane, str]
    #: False for a stream that is only ingested and stored, never decided.
    scored: bool = True
    scoring: ScoringDefaults = field(default_factory=ScoringDefaults)
    partitions: int = 6

    @property
    def topic(self) -> str:
        """The logical topic (before the deployment's prefix)."""
        return self.name

    @property
    def dead_letter_topic(self) -> str:
        """Where scoring sends the stream's records it cannot read."""
        return self.name + DEAD_LETTER_SUFFIX

    @property
    def group_suffix(self) -> str:
        """Scoring's consumer group is its group id plus this: each stream its own group, so one stream's backlog or
        dead letters never hold up another's (declarations keep the bare group id)."""
        return "" if self.kind is Stream.DECLARATION else f"-{self.name}"


class StreamCatalogue:
    """The declared streams, in order, by kind and by name."""

    def __init__(self, specs: list[StreamSpec[Any]]) -> None:
        self._specs = list(specs)
        self._by_kind = {spec.kind: spec for spec in self._specs}
        self._by_name = {spec.name: spec for spec in self._specs}
        if len(self._by_kind) != len(self._specs) or len(self._by_name) != len(self._specs):
            raise ValueError("two streams share a kind or a name")

    def __iter__(self) -> Iterator[StreamSpec[Any]]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def of(self, kind: Stream | str) -> StreamSpec[Any]:
        """The stream whose decisions carry `kind`."""
        return self._by_kind[Stream(kind)]

    def named(self, name: str) -> StreamSpec[Any]:
        """The stream on topic (and path) `name`."""
        return self._by_name[name]

    def scored(self) -> list[StreamSpec[Any]]:
        """The streams scoring decides."""
        return [spec for spec in self._specs if spec.scored]

    def with_stream(self, spec: StreamSpec[Any]) -> "StreamCatalogue":
        """This catalogue and one more stream."""
        return StreamCatalogue([*self._specs, spec])


def _declaration_id(declaration: Declaration) -> str:
    return declaration.declaration_id


def _record_id(record: PassengerRecord) -> str:
    return record.record_id


def _event_id(event: ContainerEvent) -> str:
    return event.event_id


def _container_number(event: ContainerEvent) -> str:
    return event.container_number


def _clearance_event_id(event: ClearanceEvent) -> str:
    return event.event_id


def _cleared_declaration(event: ClearanceEvent) -> str:
    return event.declaration_id


DECLARATIONS: StreamSpec[Declaration] = StreamSpec(
    kind=Stream.DECLARATION,
    name="declarations",
    schema=Declaration,
    subject_id=_declaration_id,
    partition_key=_declaration_id,
    summary="Submit one goods declaration or a batch of up to {max_batch:,}",
    # Blue (release now, post-clearance audit) is given only when scoring's blue band is configured (off by default).
    lanes={
        Lane.GREEN: "release",
        Lane.BLUE: "release, post-clearance audit",
        Lane.YELLOW: "documentary check",
        Lane.RED: "physical examination",
    },
    scoring=ScoringDefaults(random_selection_lane=Lane.RED),
)
PASSENGERS: StreamSpec[PassengerRecord] = StreamSpec(
    kind=Stream.PASSENGER,
    name="passengers",
    schema=PassengerRecord,
    subject_id=_record_id,
    partition_key=_record_id,
    summary="Submit one advance passenger record or a batch of up to {max_batch:,}",
    lanes={Lane.GREEN: "clear", Lane.YELLOW: "secondary questioning", Lane.RED: "hold"},
    scoring=ScoringDefaults(yellow_score=0.4, red_score=0.75, random_selection_lane=Lane.YELLOW),
)
CONTAINERS: StreamSpec[ContainerEvent] = StreamSpec(
    kind=Stream.CONTAINER,
    name="containers",
    schema=ContainerEvent,
    subject_id=_event_id,
    partition_key=_container_number,
    summary="Submit one container event or a batch of up to {max_batch:,} (keyed by container number)",
    lanes={Lane.GREEN: "release", Lane.YELLOW: "non-intrusive scan", Lane.RED: "physical examination"},
    scoring=ScoringDefaults(yellow_score=0.4, red_score=0.75, random_selection_lane=Lane.YELLOW),
)

#: Stages of clearance (the Time Release Study): ingested and stored by the analytics service, never decided; keyed by
#: declaration id so one declaration's stages stay in order on one partition.
CLEARANCE_EVENTS: StreamSpec[ClearanceEvent] = StreamSpec(
    kind=declare_stream("clearance-event"),
    name="clearance-events",
    schema=ClearanceEvent,
    subject_id=_clearance_event_id,
    partition_key=_cleared_declaration,
    summary="Submit one clearance event or a batch of up to {max_batch:,} (keyed by declaration id)",
    lanes={},
    scored=False,
)

#: Every stream Portcullis ingests.
CATALOGUE = StreamCatalogue([DECLARATIONS, PASSENGERS, CONTAINERS, CLEARANCE_EVENTS])
