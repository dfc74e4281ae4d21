"""Clearance events: the stages a declaration's goods pass from arrival to release (after the WCO Time Release Study).

Customs and the other border agencies report each stage as it happens (goods arrived, declaration lodged,
documents requested, inspection started, an agency's hold ...). They are not scored: the analytics service
stores them and measures how long each stage takes. The decision itself is a stage too, read from the
`decisions` topic (its `decided_at`).
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from portcullis.shared.schemas.codes import ShortCode
from portcullis.shared.schemas.declaration import DeclarationId
from portcullis.shared.schemas.moments import RecordedTime
from portcullis.shared.schemas.outcome import CLOCK_SKEW

#: An event's id: 1 to 64 visible ASCII characters (agencies' systems have their own formats).
ClearanceEventId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[!-~]{1,64}$")]


class ClearanceEventType(StrEnum):
    """A stage of clearance, in the order they usually happen."""

    ARRIVAL = "arrival"
    LODGED = "lodged"
    DOCUMENTS_REQUESTED = "documents_requested"
    DOCUMENTS_RECEIVED = "documents_received"
    INSPECTION_STARTED = "inspection_started"
    INSPECTION_FINISHED = "inspection_finished"
    DUTY_PAID = "duty_paid"
    OTHER_AGENCY_HOLD = "other_agency_hold"
    OTHER_AGENCY_RELEASE = "other_agency_release"
    RELEASED = "released"


class Agency(StrEnum):
    """Who reports the event: customs, or another border agency."""

    CUSTOMS = "customs"
    HEALTH = "health"
    AGRICULTURE = "agriculture"
    STANDARDS = "standards"
    POLICE = "police"
    OTHER = "other"


class TransportMode(StrEnum):
    """How the goods crossed the border."""

    SEA = "sea"
    AIR = "air"
    ROAD = "road"
    RAIL = "rail"
    POST = "post"


_OTHER_AGENCY_EVENTS = frozenset({ClearanceEventType.OTHER_AGENCY_HOLD, ClearanceEventType.OTHER_AGENCY_RELEASE})


class ClearanceEvent(BaseModel):
    """One stage of one declaration's clearance, as the agency that handled it reports it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "event_id": "CE-97061800-03",
                    "declaration_id": "97061800",
                    "event_type": "other_agency_hold",
                    "at": "2021-01-04T11:20:00+09:00",
                    "office_id": "30",
                    "agency": "agriculture",
                    "transport_mode": "sea",
                }
            ]
        },
    )

    event_id: ClearanceEventId = Field(description="The event's id, unique per reporting system (1-64 characters)")
    declaration_id: DeclarationId = Field(description="The declaration the goods travel under (the Kafka key)")
    event_type: ClearanceEventType = Field(
        description="arrival, lodged, documents_requested, documents_received, inspection_started, "
        "inspection_finished, duty_paid, other_agency_hold, other_agency_release, released"
    )
    at: RecordedTime = Field(description="When it happened, with its offset; not in the future")
    office_id: ShortCode = Field(description="Customs office where it happened")
    agency: Agency = Field(
        description="customs, or the border agency that reports it: health, agriculture, standards, police, other"
    )
    transport_mode: TransportMode | None = Field(
        default=None, description="sea, air, road, rail or post, when the reporting system knows it"
    )

    @field_validator("agency")
    @classmethod
    def _holds_are_another_agencys(cls, agency: Agency, info: ValidationInfo) -> Agency:
        if info.data.get("event_type") in _OTHER_AGENCY_EVENTS and agency == Agency.CUSTOMS:
            raise ValueError("an other-agency hold or release names that agency (health, agriculture ...), not customs")
        return agency

    @field_validator("at")
    @classmethod
    def _has_happened(cls, moment: datetime) -> datetime:
        if moment > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("lies in the future: a clearance event reports what happened")
        return moment
