"""Inspection outcomes: what officers report about a decided subject, and the `outcomes` topic's messages."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from portcullis.shared.schemas.codes import CurrencyCode
from portcullis.shared.schemas.decision import Lane, Stream
from portcullis.shared.schemas.moments import RecordedTime

#: Clocks of officers' devices drift; an inspection a little in the future is accepted, more is a typo.
CLOCK_SKEW = timedelta(minutes=5)
NOTES_MAX_LENGTH = 2000
CORRECTION_REASON_MAX_LENGTH = 500
#: A week: an inspection that took longer is a typing error (or a hold, which clearance events report).
MAX_INSPECTION_MINUTES = 7 * 24 * 60


class Severity(StrEnum):
    """How serious the irregularity is; the data set's `Critical Fraud` 0, 1, 2 reads as none, minor, critical."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


_SEVERITY_CODES = {0: Severity.NONE, 1: Severity.MINOR, 2: Severity.CRITICAL}


def _severity_code(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if value not in _SEVERITY_CODES:
            raise ValueError("a numeric severity is 0 (none), 1 (minor) or 2 (critical)")
        return _SEVERITY_CODES[value]
    return value


SeverityInput = Annotated[Severity, BeforeValidator(_severity_code)]


class SeizureUnit(StrEnum):
    """The unit a seized quantity is counted in."""

    KG = "kg"
    G = "g"
    TONNE = "t"
    LITRE = "l"
    MILLILITRE = "ml"
    CUBIC_METRE = "m3"
    PIECES = "pieces"
    PAIRS = "pairs"
    PACKS = "packs"
    CARTONS = "cartons"
    HEADS = "heads"


class ConcealmentMethod(StrEnum):
    """How the seized goods were hidden or misdeclared (the grouping of seizure reports)."""

    NONE = "none"
    MISDECLARED = "misdeclared"
    UNDECLARED = "undeclared"
    MIXED_WITH_CARGO = "mixed_with_cargo"
    HIDDEN_COMPARTMENT = "hidden_compartment"
    IN_PACKAGING = "in_packaging"
    IN_BAGGAGE = "in_baggage"
    ON_PERSON = "on_person"
    IN_VEHICLE = "in_vehicle"
    OTHER = "other"


class Seizure(BaseModel):
    """What was seized: the goods, how much, their value, and how they were concealed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    commodity: str = Field(min_length=1, max_length=100, description="What was seized (e.g. cigarettes, cocaine)")
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=3, description="How much, in `unit`; above 0")
    unit: SeizureUnit = Field(description="kg, g, t, l, ml, m3, pieces, pairs, packs, cartons, heads")
    value: Decimal = Field(
        ge=0, max_digits=18, decimal_places=2, description="Estimated value of the seized goods; 0 or more"
    )
    currency: CurrencyCode | None = Field(
        default=None, validate_default=True, description="ISO 4217 code of `value` (required when above 0)"
    )
    concealment_method: ConcealmentMethod = Field(
        default=ConcealmentMethod.NONE,
        description="none, misdeclared, undeclared, mixed_with_cargo, hidden_compartment, in_packaging, in_baggage, "
        "on_person, in_vehicle, other",
    )

    @field_validator("currency")
    @classmethod
    def _currency_with_value(cls, currency: str | None, info: ValidationInfo) -> str | None:
        value = info.data.get("value")
        if currency is None and value is not None and value > 0:
            raise ValueError("required when value is above 0")
        return currency


class InspectionOutcome(BaseModel):
    """What an inspection found, as an inspection app reports it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "inspected": True,
                    "irregularity_found": True,
                    "severity": "major",
                    "revenue_recovered": "1250000.00",
                    "currency": "KRW",
                    "officer_id": "OFF-1042",
                    "notes": "declared value 60% below invoice found in the container",
                    "inspected_at": "2026-11-25T14:30:00Z",
                }
            ]
        },
    )

    inspected: bool = Field(description="Whether the goods (passenger, container) were actually inspected")
    irregularity_found: bool = Field(description="Whether the inspection found an irregularity (a hit)")
    severity: SeverityInput = Field(
        default=Severity.NONE,
        validate_default=True,
        description="none, minor, major, critical (or 0, 1, 2 as the data set's Critical Fraud)",
    )
    revenue_recovered: Decimal = Field(
        default=Decimal(0),
        ge=0,
        max_digits=18,
        decimal_places=2,
        validate_default=True,
        description="Duties and fines recovered",
    )
    currency: CurrencyCode | None = Field(
        default=None,
        validate_default=True,
        description="ISO 4217 code of revenue_recovered (required when above 0)",
    )
    officer_id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", description="Service id of the inspecting officer (not a name)"
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX_LENGTH, description="Free text for the analysts")
    inspected_at: RecordedTime = Field(description="When the inspection ended, with a time zone; not before 2000")
    seizure: Seizure | None = Field(default=None, description="What was seized, when the finding led to a seizure")
    inspection_minutes: int | None = Field(
        default=None, ge=0, le=MAX_INSPECTION_MINUTES, description="How long the inspection took, in minutes"
    )
    correction_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=CORRECTION_REASON_MAX_LENGTH,
        description="Why this report corrects the one recorded before (required for a correction, else left out)",
    )

    @field_validator("irregularity_found")
    @classmethod
    def _found_needs_inspection(cls, found: bool, info: ValidationInfo) -> bool:
        if found and info.data.get("inspected") is False:
            raise ValueError("an irregularity can only be found by an inspection (inspected is false)")
        return found

    @field_validator("severity")
    @classmethod
    def _severity_matches_finding(cls, severity: Severity, info: ValidationInfo) -> Severity:
        found = info.data.get("irregularity_found")
        if found is False and severity != Severity.NONE:
            raise ValueError("must be none when no irregularity was found")
        if found is True and severity == Severity.NONE:
            raise ValueError("give the severity of the irregularity found (minor, major or critical)")
        return severity

    @field_validator("revenue_recovered")
    @classmethod
    def _revenue_needs_finding(cls, revenue: Decimal, info: ValidationInfo) -> Decimal:
        if revenue > 0 and info.data.get("irregularity_found") is False:
            raise ValueError("revenue can only be recovered when an irregularity was found")
        return revenue

    @field_validator("currency")
    @classmethod
    def _currency_with_revenue(cls, currency: str | None, info: ValidationInfo) -> str | None:
        revenue = info.data.get("revenue_recovered")
        if currency is None and revenue is not None and revenue > 0:
            raise ValueError("required when revenue_recovered is above 0")
        return currency

    @field_validator("inspected_at")
    @classmethod
    def _not_in_the_future(cls, moment: datetime) -> datetime:
        if moment > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("lies in the future")
        return moment

    @field_validator("seizure")
    @classmethod
    def _seizure_needs_finding(cls, seizure: Seizure | None, info: ValidationInfo) -> Seizure | None:
        if seizure is not None and info.data.get("irregularity_found") is False:
            raise ValueError("a seizure can only follow an irregularity found (irregularity_found is false)")
        return seizure

    @field_validator("inspection_minutes")
    @classmethod
    def _minutes_need_inspection(cls, minutes: int | None, info: ValidationInfo) -> int | None:
        if minutes and info.data.get("inspected") is False:
            raise ValueError("only an inspection takes minutes (inspected is false)")
        return minutes


class OutcomeEvent(InspectionOutcome):
    """An outcome on the `outcomes` topic (keyed by subject id): the report with the decision it is about.

    A correction is a later `version` for the same (stream, subject_id): it supersedes the earlier ones, which stay
    valid records of what was reported (consumers keep the highest version; messages may arrive out of order).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1, description="1 for the first report, +1 for each correction")

    stream: Stream
    subject_id: str
    lane: Lane = Field(description="The lane the decision gave")
    score: float = Field(ge=0, le=1, description="The decision's risk score")
    model_version: str | None
    random_selection: bool
    decided_at: AwareDatetime
    recorded_at: AwareDatetime = Field(description="When the gateway accepted the report")
