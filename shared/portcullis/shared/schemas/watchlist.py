"""Wire format of the compacted `watchlist` topic: one document per watchlist entry or selectivity rule.

Keys are stable ids, `entry:<id>` or `rule:<id>`; the value is the full current document (version, validity
window, who changed it), a document with `deleted: true` for a removal, or a tombstone (no value).
"""

import math
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_serializer,
    model_validator,
)

from portcullis.shared.schemas.codes import COUNTRY_CODES, PartyId
from portcullis.shared.schemas.decision import Lane, Stream
from portcullis.shared.schemas.moments import ValidityBound
from portcullis.shared.screening.entries import IdentityDocument, WatchlistEntry
from portcullis.shared.screening.identifiers import (
    is_valid_container_number,
    is_valid_imo_number,
    normalize_container_number,
    normalize_imo_number,
)

#: Lists carry Kosovo (XK), a user-assigned code that sanctions lists and passports use.
LIST_COUNTRY_CODES: frozenset[str] = COUNTRY_CODES | {"XK"}

DocumentId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,79}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


def _country(code: str) -> str:
    if code not in LIST_COUNTRY_CODES:
        raise ValueError(f"unknown ISO 3166-1 alpha-2 country code {code!r}")
    return code


def _imo(number: str) -> str:
    if not is_valid_imo_number(number):
        raise ValueError("not an IMO ship number (seven digits with a valid check digit)")
    return normalize_imo_number(number)


def _container(number: str) -> str:
    if not is_valid_container_number(number):
        raise ValueError("not an ISO 6346 container number (owner code, U/J/Z, six digits, valid check digit)")
    return normalize_container_number(number)


Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2),
    AfterValidator(_country),
]
ImoShipNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_imo)]
ContainerNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_container)]


class TraderRole(StrEnum):
    """The party of a declaration a trader-id list entry is checked against."""

    IMPORTER = "importer"
    DECLARANT = "declarant"
    SELLER = "seller"


class Action(BaseModel):
    """What a hit does: force a lane (red or yellow) or add to the model's risk score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lane: Literal[Lane.RED, Lane.YELLOW] | None = Field(default=None, description="Lane forced by a hit")
    score: float | None = Field(default=None, gt=0, le=1, description="Added to the model score (clipped to 1)")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.lane is None) == (self.score is None):
            raise ValueError("give either a lane (red or yellow) or a score to add, not both")
        return self


class Validity(BaseModel):
    """Fields every entry and rule has: what a hit does, why, and when it applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action = Field(default_factory=lambda: Action(lane=Lane.RED))
    reason: str = Field(min_length=1, max_length=1000, description="Why, in words an officer understands")
    valid_from: ValidityBound | None = Field(
        default=None, description="In force from (inclusive), 2000 to 2100; None: always"
    )
    valid_to: ValidityBound | None = Field(
        default=None, description="In force until (exclusive), 2000 to 2100; None: open"
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def in_force(self, at: datetime) -> bool:
        """Whether the validity window contains `at`."""
        return (self.valid_from is None or self.valid_from <= at) and (self.valid_to is None or at < self.valid_to)


class IdDocument(BaseModel):
    """A passport, national id, tax id or company registration of a listed party."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["passport", "national_id", "tax_id", "registration", "imo_company", "other"]
    number: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$")
    country: Country | None = None


class EntryBase(Validity):
    """What every watchlist entry has besides its identity."""

    list_name: str = Field(min_length=1, max_length=80, description="The list it belongs to")


class PersonEntry(EntryBase):
    """A natural person: names, date of birth, nationalities, identity documents."""

    kind: Literal["person"]
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=200)
    birth_dates: list[date] = Field(default_factory=list, max_length=50)
    birth_years: list[Annotated[int, Field(ge=1850, le=2100)]] = Field(default_factory=list, max_length=50)
    nationalities: list[Country] = Field(default_factory=list, max_length=50)
    documents: list[IdDocument] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _born_in_the_past(self) -> Self:
        today = datetime.now(UTC).date()
        if any(born > today for born in self.birth_dates):
            raise ValueError("a date of birth lies in the future")
        return self


class OrganizationEntry(EntryBase):
    """A company or other organisation: names, countries, identifiers."""

    kind: Literal["organization"]
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=200)
    countries: list[Country] = Field(default_factory=list, max_length=50)
    identifiers: list[IdDocument] = Field(
        default_factory=list, max_length=100, description="Registration, tax id, IMO company number (`imo_company`) ..."
    )


class VesselEntry(EntryBase):
    """A ship: its IMO number decides on its own; names and flag corroborate."""

    kind: Literal["vessel"]
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=200)
    imo_number: ImoShipNumber | None = None
    flag: Country | None = None


class AircraftEntry(EntryBase):
    """An aircraft, by name (sanctions lists carry them)."""

    kind: Literal["aircraft"]
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=200)


class ContainerEntry(EntryBase):
    """A container, by its ISO 6346 number."""

    kind: Literal["container"]
    container_number: ContainerNumber


class TraderEntry(EntryBase):
    """A trader id (EORI or national id) listed for one role of a declaration."""

    kind: Literal["trader"]
    role: TraderRole
    trader_id: PartyId


EntrySpec = Annotated[
    PersonEntry | OrganizationEntry | VesselEntry | AircraftEntry | ContainerEntry | TraderEntry,
    Field(discriminator="kind"),
]


class Comparison(BaseModel):
    """One test of a field: `{"field": "hs6_code", "op": "prefix", "value": "93"}`, or all/any/none of others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str | None = Field(default=None, description="A field of the rule's stream (see GET /v1/rules/fields)")
    op: Literal["eq", "ne", "in", "not_in", "prefix", "lt", "le", "gt", "ge", "between"] | None = None
    value: str | float | list[str] | list[float] | None = None
    all: "list[Comparison] | None" = Field(default=None, min_length=1, description="Every one holds")
    any: "list[Comparison] | None" = Field(default=None, min_length=1, description="At least one holds")
    none: "list[Comparison] | None" = Field(default=None, min_length=1, description="None of them holds")

    @field_validator("value", mode="before")
    @classmethod
    def _finite(cls, value: object) -> object:
        # NaN and Infinity compare with nothing and have no JSON form; Python's JSON parser reads them all the same.
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise ValueError("numbers must be finite (no NaN or Infinity)")
        return value

    @model_serializer(mode="wrap")
    def _without_unused(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        return {key: value for key, value in handler(self).items() if value is not None}

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        groups = sum(group is not None for group in (self.all, self.any, self.none))
        test = self.field is not None or self.op is not None or self.value is not None
        if groups + test != 1:
            raise ValueError('a condition is either {"field", "op", "value"} or one of {"all"|"any"|"none": [...]}')
        if test and (self.field is None or self.op is None or self.value is None):
            raise ValueError('a test needs "field", "op" and "value"')
        return self


Condition = Comparison


class RuleSpec(Validity):
    """A selectivity rule (an ASYCUDA-style criterion): condition on a stream's fields, action, reason."""

    name: str = Field(min_length=1, max_length=120, description="Short title for the analysts")
    stream: Stream = Field(default=Stream.DECLARATION, description="The stream whose items it checks")
    condition: Condition
    enabled: bool = True


class DocumentMeta(BaseModel):
    """Identity and history of a stored document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: DocumentId
    version: int = Field(ge=1, description="Incremented by every change")
    deleted: bool = Field(default=False, description="Soft-deleted: no longer applies")
    changed_by: str
    changed_at: AwareDatetime


class EntryDocument(DocumentMeta):
    """A watchlist entry as published (`entry:<id>`) and as the API shows it."""

    type: Literal["entry"] = "entry"
    entry: EntrySpec


class RuleDocument(DocumentMeta):
    """A selectivity rule as published (`rule:<id>`) and as the API shows it."""

    type: Literal["rule"] = "rule"
    rule: RuleSpec


TopicDocument = Annotated[EntryDocument | RuleDocument, Field(discriminator="type")]


_TOPIC_DOCUMENT: TypeAdapter[EntryDocument | RuleDocument] = TypeAdapter(TopicDocument)


def topic_key(document: EntryDocument | RuleDocument) -> bytes:
    """The compaction key: `entry:<id>` or `rule:<id>`."""
    return f"{document.type}:{document.id}".encode()


def encode_document(document: EntryDocument | RuleDocument) -> bytes:
    """The message value of a document."""
    return orjson.dumps(document.model_dump(mode="json"))


def decode_document(value: bytes) -> EntryDocument | RuleDocument:
    """Parse a message value (raises pydantic.ValidationError on a malformed one)."""
    return _TOPIC_DOCUMENT.validate_json(value)


def to_screening_entry(document: EntryDocument) -> WatchlistEntry | None:
    """The name-screening view of an entry; None for trader ids (those match exactly, not by name)."""
    spec = document.entry
    base = {"entry_id": document.id, "list_name": spec.list_name, "reason": spec.reason}
    if isinstance(spec, PersonEntry):
        return WatchlistEntry(
            **base,
            kind="person",
            name=spec.name,
            aliases=tuple(spec.aliases),
            birth_dates=tuple(spec.birth_dates),
            birth_years=tuple(spec.birth_years),
            nationalities=tuple(spec.nationalities),
            documents=tuple(IdentityDocument(kind=d.kind, number=d.number, country=d.country) for d in spec.documents),
        )
    if isinstance(spec, OrganizationEntry):
        return WatchlistEntry(
            **base,
            kind="organization",
            name=spec.name,
            aliases=tuple(spec.aliases),
            nationalities=tuple(spec.countries),
            documents=tuple(
                IdentityDocument(kind=d.kind, number=d.number, country=d.country) for d in spec.identifiers
            ),
        )
    if isinstance(spec, VesselEntry):
        flag = (spec.flag,) if spec.flag else ()
        return WatchlistEntry(
            **base,
            kind="vessel",
            name=spec.name,
            aliases=tuple(spec.aliases),
            nationalities=flag,
            imo_number=spec.imo_number,
        )
    if isinstance(spec, AircraftEntry):
        return WatchlistEntry(**base, kind="aircraft", name=spec.name, aliases=tuple(spec.aliases))
    if isinstance(spec, ContainerEntry):
        return WatchlistEntry(**base, kind="container", name="", container_number=spec.container_number)
    return None
