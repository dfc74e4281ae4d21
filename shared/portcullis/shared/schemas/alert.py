"""Wire format of the compacted `alerts` topic: a stored record that a watchlist entry, added or changed later, matches.

Keys are alert ids (`alert_id`): one per (stream, subject id, entry id, entry version), so re-screening the same record
against the same version of an entry never raises a second alert. The value is the alert's current state; an
acknowledgement publishes the same alert again, with who acknowledged it, when and why.
"""

import hashlib
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.shared.schemas.decision import Stream


class AlertStatus(StrEnum):
    """Where an alert stands: open until an analyst or inspector acknowledges it."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class AlertedRecord(BaseModel):
    """The stored record the alert is about (no personal data: the subject id leads to it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: Stream
    subject_id: str = Field(min_length=1, max_length=200, description="Declaration id, passenger record id, event id")
    received_at: AwareDatetime = Field(description="When the broker received the record")
    scored_at: AwareDatetime | None = Field(default=None, description="When scoring decided on it, if stored")


class AlertedEntry(BaseModel):
    """The watchlist entry, at the version that matched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str
    version: int = Field(ge=1)
    list_name: str
    kind: str = Field(description="person, organization, vessel, aircraft or container")


class Acknowledgement(BaseModel):
    """Who acknowledged an alert (key id and role), when, and the note they left."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str = Field(description="The API key id (or `anonymous` with authentication off)")
    role: str
    at: AwareDatetime
    note: str = Field(min_length=1, max_length=2000)


class Alert(BaseModel):
    """A re-screening hit: the record, the entry, the match score and the reason an officer reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str = Field(pattern=r"^[a-f0-9]{24}$")
    record: AlertedRecord
    entry: AlertedEntry
    score: float = Field(ge=0, le=1, description="The name (or identifier) match score")
    strong: bool = Field(description="Strong enough to take the entry's action (else a possible match to check)")
    reason: str
    raised_at: AwareDatetime
    status: AlertStatus = AlertStatus.OPEN
    acknowledgement: Acknowledgement | None = None


def alert_id(stream: Stream, subject_id: str, entry_id: str, version: int) -> str:
    """The alert's id: the same record and entry version always give the same id."""
    text = f"{stream.value}\x1f{subject_id}\x1f{entry_id}\x1f{version}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]
