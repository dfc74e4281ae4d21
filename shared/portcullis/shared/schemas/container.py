"""A container event, as terminal operating systems and carriers report them (after DCSA track-and-trace and SOLAS VGM).

Validation refuses what cannot be an event (a container or IMO number whose check digit is wrong, a port that is not
a UN/LOCODE location, a negative weight); it keeps what is merely suspicious (a verified gross mass far from the
declared weight, changed seals, a route through a port of concern): those are risk signals for scoring.
"""

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from portcullis.shared.reference import is_known_locode
from portcullis.shared.schemas.codes import CountryCode, HS6Code, PartyId
from portcullis.shared.schemas.moments import RecordedTime
from portcullis.shared.screening.identifiers import (
    container_check_digit,
    imo_check_digit,
    normalize_container_number,
    normalize_imo_number,
)

#: Heavier than any ISO container can be loaded (45 ft high cube: 32.5 t); above it the number is a typing error.
MAX_GROSS_KG = 60_000.0

_CONTAINER_SHAPE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_IMO_SHAPE = re.compile(r"^[0-9]{7}$")
_LOCODE_SHAPE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


def _container_number(text: str) -> str:
    number = normalize_container_number(text)
    if not _CONTAINER_SHAPE.match(number):
        raise ValueError("not an ISO 6346 container number (3-letter owner code, U/J/Z, 6 digits, check digit)")
    expected = container_check_digit(number[:10])
    if int(number[10]) != expected:
        raise ValueError(f"wrong ISO 6346 check digit {number[10]} (expected {expected})")
    return number


def _imo_number(text: str) -> str:
    number = normalize_imo_number(text)
    if not _IMO_SHAPE.match(number):
        raise ValueError("not an IMO ship number (seven digits, optionally prefixed IMO)")
    expected = imo_check_digit(number[:6])
    if int(number[6]) != expected:
        raise ValueError(f"wrong IMO check digit {number[6]} (expected {expected})")
    return number


def _locode(value: object) -> object:
    # UN/LOCODE is printed with or without the space between country and location ("NL RTM", "NLRTM").
    if not isinstance(value, str):
        return value
    code = value.strip().upper().replace(" ", "")
    if not _LOCODE_SHAPE.match(code):
        raise ValueError("not a UN/LOCODE (country code and three letters or digits 2-9, e.g. NLRTM)")
    if not is_known_locode(code):
        raise ValueError(f"unknown UN/LOCODE {code!r}")
    return code


ContainerNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_container_number)]
ImoNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_imo_number)]
Locode = Annotated[str, BeforeValidator(_locode)]
EventId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,35}$")]
SealNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z0-9-]{1,20}$")]


class EventType(StrEnum):
    """What happened to the container (DCSA equipment event types, spelled as terminals print them)."""

    GATE_IN = "gate-in"
    GATE_OUT = "gate-out"
    LOADED = "loaded"
    DISCHARGED = "discharged"
    TRANSSHIPPED = "transshipped"
    STUFFED = "stuffed"
    STRIPPED = "stripped"


class Party(BaseModel):
    """Shipper or consignee."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200, description="Name as on the bill of lading")
    country: CountryCode = Field(description="Country of the party's address, ISO 3166-1 alpha-2")
    party_id: PartyId | None = Field(default=None, description="EORI, tax or trader id, when known")


class ContainerEvent(BaseModel):
    """One event in a container's journey, with the shipment facts that go with it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "event_id": "EV-20260301-000117",
                    "container_number": "CSQU3054383",
                    "size_type": "42G1",
                    "event_type": "loaded",
                    "event_time": "2026-03-01T06:42:00+08:00",
                    "event_location": "CNSHA",
                    "vessel_imo": "9074729",
                    "vessel_name": "EVER GIVEN",
                    "voyage": "045W",
                    "port_of_loading": "CNSHA",
                    "port_of_discharge": "NLRTM",
                    "transshipment_ports": ["SGSIN"],
                    "shipper": {"name": "Ningbo Bright Textiles Co Ltd", "country": "CN", "party_id": None},
                    "consignee": {"name": "Van Dijk Trading BV", "country": "NL", "party_id": "NL812345678"},
                    "hs_codes": ["610910", "620462"],
                    "declared_gross_weight_kg": 18250.0,
                    "verified_gross_mass_kg": 18410.0,
                    "seal_numbers": ["CN1234567"],
                    "previous_seal_numbers": None,
                }
            ]
        },
    )

    event_id: EventId = Field(description="The event's id, unique per feed; the decision's subject id")
    container_number: ContainerNumber = Field(
        description="ISO 6346 number: owner code, category U/J/Z, serial, check digit", examples=["CSQU3054383"]
    )
    size_type: str = Field(pattern=r"^[0-9A-Z]{4}$", description="ISO 6346 size and type code, e.g. 22G1, 45G1")
    event_type: EventType = Field(description="gate-in, gate-out, loaded, discharged, transshipped, stuffed, stripped")
    event_time: RecordedTime = Field(description="When it happened, with its offset; from 2000 to 366 days ahead")
    event_location: Locode = Field(description="Where it happened, UN/LOCODE")
    vessel_imo: ImoNumber = Field(description="IMO ship number of the vessel (check digit verified)")
    vessel_name: str = Field(min_length=1, max_length=100, description="Vessel name")
    voyage: str = Field(pattern=r"^[A-Za-z0-9-]{1,17}$", description="Carrier's voyage number")
    port_of_loading: Locode = Field(description="Port where the container is loaded on the vessel, UN/LOCODE")
    port_of_discharge: Locode = Field(description="Port where it leaves the last vessel, UN/LOCODE")
    transshipment_ports: list[Locode] = Field(
        default_factory=list, max_length=6, description="Ports where it changes vessel, in order, UN/LOCODE"
    )
    shipper: Party
    consignee: Party
    hs_codes: list[HS6Code] = Field(min_length=1, max_length=99, description="Declared HS subheadings, six digits")
    declared_gross_weight_kg: float = Field(
        ge=0, le=MAX_GROSS_KG, allow_inf_nan=False, description="Gross weight declared by the shipper, kg"
    )
    verified_gross_mass_kg: float = Field(
        ge=0, le=MAX_GROSS_KG, allow_inf_nan=False, description="SOLAS verified gross mass (VGM), kg"
    )
    seal_numbers: list[SealNumber] = Field(default_factory=list, max_length=4, description="Seals on the container")
    previous_seal_numbers: list[SealNumber] | None = Field(
        default=None, max_length=4, description="Seals reported at the previous event, when the sender knows them"
    )

    @property
    def weight_discrepancy(self) -> float:
        """Relative difference between the verified gross mass and the declared gross weight."""
        reference = max(self.declared_gross_weight_kg, 1.0)
        return abs(self.verified_gross_mass_kg - self.declared_gross_weight_kg) / reference

    @property
    def seals_changed(self) -> bool:
        """Whether the seals differ from those reported at the previous event (a risk signal, not an error)."""
        return self.previous_seal_numbers is not None and set(self.previous_seal_numbers) != set(self.seal_numbers)
