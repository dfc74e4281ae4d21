"""The mirror gap table as the analytics service publishes it on the compacted `mirror-gaps` topic.

One record per origin x HS6 (key `gap:<origin>:<hs6>`), then one `version:current` record naming the version just
published: a follower uses the gaps of that version only, so a table replaces the previous one whole, and a pair
the new table no longer has (its old record still in the topic) is left out.
"""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: The key of the record that names the current version.
VERSION_KEY = b"version:current"


def gap_key(origin: str, hs6: str) -> bytes:
    """The key of an origin x HS6 gap record."""
    return f"gap:{origin}:{hs6}".encode()


class MirrorGap(BaseModel):
    """What partner countries report as exported to us against what was declared, for one origin x HS6."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["gap"] = "gap"
    version: str = Field(description="The table this gap belongs to")
    origin: str = Field(pattern=r"^[A-Z]{2}$", description="Country of origin (ISO 3166-1 alpha-2)")
    hs6: str = Field(pattern=r"^\d{6}$")
    unit_value_gap: float | None = Field(
        description="1 - declared / partner US dollars per kg: 0.45 = declared 45% below the partners' unit value "
        "(negative: above it); null without weights on both sides"
    )
    value_gap_usd: float = Field(
        description="Partner exports less declared value, US dollars (positive: less declared)"
    )
    partner_unit_value_usd: float | None = Field(description="US dollars per kg, partner side")
    declared_unit_value_usd: float | None = Field(description="US dollars per kg, declared side")
    period_from: str = Field(description="First day of the period compared (YYYY-MM-DD)")
    period_to: str = Field(description="Last day of the period compared (YYYY-MM-DD)")


class MirrorGapVersion(BaseModel):
    """The version of the table now current, once every gap record of it is published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["version"] = "version"
    version: str
    pairs: int = Field(ge=0, description="Gap records of this version")
    period_from: str
    period_to: str
    published_at: AwareDatetime
