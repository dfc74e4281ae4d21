"""Inspection outcomes: what officers report about a decided subject, and the `outcomes` topic's messages."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from portcullis.shared.schemas.decision import Lane, Stream
from portcullis.shared.schemas.moments import RecordedTime

#: Clocks of officers' devices drift; an inspection a little in the future is accepted, more is a typo.
CLOCK_SKEW = timedelta(minutes=5)
NOTES_MAX_LENGTH = 2000


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
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        validate_default=True,
        description="ISO 4217 code of revenue_recovered (required when above 0)",
    )
    officer_id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", description="Service id of the inspecting officer (not a name)"
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX_LENGTH, description="Free text for the analysts")
    inspected_at: RecordedTime = Field(description="When the inspection ended, with a time zone; not before 2000")

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


class OutcomeEvent(InspectionOutcome):
    """An outcome on the `outcomes` topic (keyed by subject id): the report with the decision it is about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: Stream
    subject_id: str
    lane: Lane = Field(description="The lane the decision gave")
    score: float = Field(ge=0, le=1, description="The decision's risk score")
    model_version: str | None
    random_selection: bool
    decided_at: AwareDatetime
    recorded_at: AwareDatetime = Field(description="When the gateway accepted the report")
