"""The streams ingest accepts: for each, its path, item schema, topic, subject id and Kafka key.

The subject id names an item (the decision's `subject_id`, what `accepted` lists, what must not repeat in a batch).
The Kafka key decides the partition, so it must be the same for every item whose order matters:
- declarations and passenger records are decided one by one: keyed by their own id;
- container events describe one container's journey (gate-in, loaded, discharged ...), which scoring reads in
  order to see a changed seal or weight: keyed by container number, so one container stays on one partition.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.clearance import ClearanceEvent
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord

Item = TypeVar("Item", bound=BaseModel)


@dataclass(frozen=True)
class StreamEndpoint(Generic[Item]):
    """One `POST /v1/<path>` endpoint: the schema it validates and where and how it publishes."""

    path: str
    topic: str
    model: type[Item]
    subject_id: Callable[[Item], str]
    partition_key: Callable[[Item], str]
    summary: str


def _declaration_id(declaration: Declaration) -> str:
    return declaration.declaration_id


def _record_id(record: PassengerRecord) -> str:
    return record.record_id


def _event_id(event: ContainerEvent) -> str:
    return event.event_id


def _clearance_event_id(event: ClearanceEvent) -> str:
    return event.event_id


def _cleared_declaration(event: ClearanceEvent) -> str:
    return event.declaration_id


def _container_number(event: ContainerEvent) -> str:
    return event.container_number


DECLARATIONS = StreamEndpoint(
    path="declarations",
    topic="declarations",
    model=Declaration,
    subject_id=_declaration_id,
    partition_key=_declaration_id,
    summary="Submit one goods declaration or a batch of up to {max_batch:,}",
)
PASSENGERS = StreamEndpoint(
    path="passengers",
    topic="passengers",
    model=PassengerRecord,
    subject_id=_record_id,
    partition_key=_record_id,
    summary="Submit one advance passenger record or a batch of up to {max_batch:,}",
)
CONTAINERS = StreamEndpoint(
    path="containers",
    topic="containers",
    model=ContainerEvent,
    subject_id=_event_id,
    partition_key=_container_number,
    summary="Submit one container event or a batch of up to {max_batch:,} (keyed by container number)",
)
CLEARANCE_EVENTS = StreamEndpoint(
    path="clearance-events",
    topic="clearance-events",
    model=ClearanceEvent,
    subject_id=_clearance_event_id,
    partition_key=_cleared_declaration,
    summary="Submit one clearance event or a batch of up to {max_batch:,} (keyed by declaration id)",
)
