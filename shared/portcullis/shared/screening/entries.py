"""Watchlist entries (what is listed), screening queries (what is checked) and matches (what was found)."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EntryKind = Literal["person", "organization", "vessel", "aircraft", "container"]
#: The schema a query names, in the FollowTheMoney spelling that screening APIs use.
QuerySchema = Literal["Person", "Organization", "Vessel"]

SCHEMA_KINDS: dict[str, frozenset[str]] = {
    "Person": frozenset({"person"}),
    "Organization": frozenset({"organization"}),
    "Company": frozenset({"organization"}),
    "Vessel": frozenset({"vessel"}),
}

ImoNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{7}$")]
ContainerNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}[0-9]{7}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class IdentityDocument(BaseModel):
    """A document number of a listed party: passport, national id, tax or company registration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="passport, national_id, tax_id, registration ...", examples=["passport"])
    number: str = Field(min_length=1, description="As listed; compared on letters and digits only")
    country: CountryCode | None = Field(default=None, description="Issuing country, ISO 3166-1 alpha-2")


class WatchlistEntry(BaseModel):
    """One listed party (person, organisation, vessel or container) with its names and identifiers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str = Field(min_length=1, description="Stable id, e.g. `ofac-sdn:2676`")
    list_name: str = Field(min_length=1, description="The list it comes from, e.g. `OFAC SDN`")
    kind: EntryKind
    name: str = Field(description="Primary name, in natural order (`Ayman AL ZAWAHIRI`)")
    aliases: tuple[str, ...] = Field(default=(), description="Other names: a.k.a., f.k.a., n.k.a.")
    reason: str = Field(default="", description="Why it is listed (programmes, remarks), for the officer")
    birth_dates: tuple[date, ...] = Field(default=(), description="Full dates of birth")
    birth_years: tuple[int, ...] = Field(default=(), description="Years of birth when only the year is known")
    nationalities: tuple[CountryCode, ...] = Field(default=(), description="Nationality, citizenship or flag")
    documents: tuple[IdentityDocument, ...] = ()
    imo_number: ImoNumber | None = Field(default=None, description="Vessels: IMO ship number")
    container_number: ContainerNumber | None = Field(default=None, description="Containers: ISO 6346 number")

    @property
    def names(self) -> tuple[str, ...]:
        """The primary name followed by the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class ScreeningQuery:
    """What to screen: a name with optional corroborating facts and exact identifiers."""

    name: str = ""
    schema: QuerySchema | None = None
    dob: date | None = None
    country: str | None = None
    document_number: str | None = None
    imo: str | None = None
    container_number: str | None = None


class Match(BaseModel):
    """A watchlist entry that matches a query, with the name that matched, the score and why."""

    model_config = ConfigDict(frozen=True)

    entry: WatchlistEntry
    matched_name: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list, description="Why, in words an officer reads")
