"""An advance passenger record, in the spirit of UN/EDIFACT PAXLST and the WCO/IATA/ICAO API-PNR guidelines.

Validation refuses what cannot be a record (an unknown airport, a date that is not a date, a document number
with characters no travel document carries); it keeps what is merely suspicious (a document that expires before
arrival, an odd route): those are risk signals for scoring, not input errors.
"""

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from portcullis.shared.reference import is_known_airport
from portcullis.shared.schemas.codes import CountryCode
from portcullis.shared.schemas.moments import RecordedTime

#: The oldest a traveller can plausibly be; older dates of birth are typing errors.
MAX_AGE_YEARS = 125

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: object) -> object:
    # Only a YYYY-MM-DD string (or a date, from Python): no timestamps, no "01/02/2030".
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("expected a date as YYYY-MM-DD")


def _known_airport(code: str) -> str:
    if not is_known_airport(code):
        raise ValueError(f"unknown IATA airport code {code!r}")
    return code


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
AirportCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$"),
    AfterValidator(_known_airport),
]
RecordId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,35}$")]
_NAME_PUNCTUATION = frozenset(" '\u2019.-")


def _person_name(name: str) -> str:
    # Letters of any script with their combining marks (Nguyễn, محمد, 王), and the punctuation names carry.
    if not name[:1].isalpha() or not all(
        ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in _NAME_PUNCTUATION for ch in name
    ):
        raise ValueError("a name holds letters (any script), spaces, hyphens, apostrophes and dots only")
    return name


def _document_number(number: str) -> str:
    if not re.fullmatch(r"[A-Z0-9]{1,20}", number):
        raise ValueError("a document number holds 1-20 capital letters and digits only, as in the MRZ")
    return number


PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_person_name)
]
DocumentNumber = Annotated[
    str, AfterValidator(_document_number), WithJsonSchema({"type": "string", "pattern": "^[A-Z0-9]{1,20}$"})
]


class Sex(StrEnum):
    """Sex as the travel document states it (ICAO 9303): M, F, X (unspecified); U unknown to the carrier."""

    MALE = "M"
    FEMALE = "F"
    UNSPECIFIED = "X"
    UNKNOWN = "U"


class DocumentType(StrEnum):
    """Travel document type (PAXLST DOC segment, code list of the API guidelines)."""

    PASSPORT = "P"
    IDENTITY_CARD = "I"
    PASSPORT_CARD = "IP"
    CREW_MEMBER_CERTIFICATE = "AC"
    MILITARY_ID = "M"
    FACILITATION_DOCUMENT = "F"


class TravelDocument(BaseModel):
    """The travel document the passenger flies on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: DocumentType = Field(description="P passport, I identity card, IP passport card, AC crew certificate ...")
    number: DocumentNumber = Field(
        description="Document number: capital letters and digits only, as in the machine-readable zone",
        examples=["C01X00T47"],
    )
    issuing_country: CountryCode = Field(description="Issuing state, ISO 3166-1 alpha-2")
    expiry_date: IsoDate = Field(
        description="Expiry date, YYYY-MM-DD. A document expired before arrival is accepted (it is a risk signal)"
    )


class PassengerRecord(BaseModel):
    """One traveller on one flight, as the carrier's API/PNR feed reports it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "record_id": "LH0400-20260301-017",
                    "carrier": "LH",
                    "flight_number": "400",
                    "departure_airport": "FRA",
                    "arrival_airport": "JFK",
                    "scheduled_departure": "2026-03-01T10:55:00+01:00",
                    "scheduled_arrival": "2026-03-01T13:35:00-05:00",
                    "surname": "Müller-Lüdenscheidt",
                    "given_names": "Anna Maria",
                    "date_of_birth": "1984-07-12",
                    "sex": "F",
                    "nationality": "DE",
                    "document": {
                        "type": "P",
                        "number": "C01X00T47",
                        "issuing_country": "DE",
                        "expiry_date": "2031-05-30",
                    },
                    "itinerary": ["FRA", "JFK"],
                    "booking_reference": "X7K9QP",
                    "seat": "32C",
                    "checked_bags": 1,
                }
            ]
        },
    )

    record_id: RecordId = Field(description="The record's id, unique per feed; the decision's subject id")
    carrier: str = Field(
        pattern=r"^([A-Z][A-Z0-9]|[0-9][A-Z])$", description="IATA airline designator, two characters", examples=["LH"]
    )
    flight_number: str = Field(
        pattern=r"^[0-9]{1,4}[A-Z]?$", description="Flight number, 1-4 digits and an optional suffix"
    )
    departure_airport: AirportCode = Field(description="IATA code of the airport of departure of this flight")
    arrival_airport: AirportCode = Field(description="IATA code of the airport of arrival of this flight")
    scheduled_departure: RecordedTime = Field(
        description="Scheduled departure, local time with its offset; from 2000 to 366 days ahead"
    )
    scheduled_arrival: RecordedTime = Field(
        description="Scheduled arrival, local time with its offset; from 2000 to 366 days ahead"
    )
    surname: PersonName = Field(description="Surname(s) as on the document; any script")
    given_names: PersonName = Field(description="Given name(s) as on the document; any script")
    date_of_birth: IsoDate = Field(description="Date of birth, YYYY-MM-DD; not in the future")
    sex: Sex = Field(description="M, F, X (unspecified) or U (unknown)")
    nationality: CountryCode = Field(description="Nationality, ISO 3166-1 alpha-2")
    document: TravelDocument
    itinerary: list[AirportCode] = Field(
        min_length=2,
        max_length=16,
        description="The journey's airports in order, from first boarding to final destination; holds this flight's "
        "departure and arrival one after the other",
    )
    booking_reference: str = Field(pattern=r"^[A-Z0-9]{6}$", description="PNR record locator, six characters")
    seat: str | None = Field(default=None, pattern=r"^[0-9]{1,3}[A-K]$", description="Seat, e.g. 32C")
    checked_bags: int = Field(default=0, ge=0, le=30, description="Number of checked bags")

    # Field validators (not one model validator) so that a 422 names the field at fault.
    @field_validator("scheduled_arrival")
    @classmethod
    def _arrives_after_departure(cls, arrival: datetime, info: ValidationInfo) -> datetime:
        departure = info.data.get("scheduled_departure")
        if departure is not None and arrival <= departure:
            raise ValueError("scheduled_arrival must be after scheduled_departure")
        return arrival

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, born: date) -> date:
        today = datetime.now(UTC).date()
        if born > today:
            raise ValueError("date_of_birth lies in the future")
        if born < today - timedelta(days=366 * MAX_AGE_YEARS):
            raise ValueError(f"date_of_birth is more than {MAX_AGE_YEARS} years ago")
        return born

    @field_validator("itinerary")
    @classmethod
    def _holds_this_flight(cls, itinerary: list[str], info: ValidationInfo) -> list[str]:
        flight = (info.data.get("departure_airport"), info.data.get("arrival_airport"))
        if None not in flight and flight not in list(pairwise(itinerary)):
            raise ValueError("itinerary must hold departure_airport followed by arrival_airport")
        return itinerary

    @property
    def document_expired_on_arrival(self) -> bool:
        """Whether the travel document expires before the scheduled arrival (a risk signal, not an error)."""
        return self.document.expiry_date < self.scheduled_arrival.date()
