"""The lane decision that scoring produces for every item of every stream."""

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Stream(StrEnum):
    """The kind of item a decision is about."""

    DECLARATION = "declaration"
    PASSENGER = "passenger"
    CONTAINER = "container"

    @classmethod
    def _missing_(cls, value: object) -> "Stream | None":
        # A kind declared at run time by `declare_stream` (a stream outside the built-in catalogue, such as a test's).
        return _DECLARED.get(value) if isinstance(value, str) else None


_DECLARED: dict[str, Stream] = {}


def declare_stream(kind: str) -> Stream:
    """The decision kind of a stream declared outside this package, valid in this process from now on (idempotent).

    The built-in kinds are the members above; the gateway's API and stored decisions know only those."""
    if kind in Stream._value2member_map_:
        return Stream(kind)
    member = str.__new__(Stream, kind)
    member._name_ = kind.upper()
    member._value_ = kind
    return _DECLARED.setdefault(kind, member)


class Lane(StrEnum):
    """Selectivity lane: green releases, blue releases for a post-clearance audit, yellow checks documents (or
    questions, scans), red examines. Which lanes a stream has is in its catalogue entry (`StreamSpec.lanes`)."""

    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def strictness(self) -> int:
        """0 for green up to 3 for red: the order in which a stricter lane wins (blue is between green and yellow)."""
        return _STRICTNESS[self]


_STRICTNESS = {Lane.GREEN: 0, Lane.BLUE: 1, Lane.YELLOW: 2, Lane.RED: 3}


class ReasonKind(StrEnum):
    """Where a reason comes from, in the order selectivity applies them."""

    RULE = "rule"
    WATCHLIST = "watchlist"
    #: A fact learned from another stream about the same container or vessel (scoring/links.py).
    LINK = "link"
    MODEL = "model"
    RANDOM = "random"
    AMENDMENT = "amendment"
    OVERRIDE = "override"


class Reason(BaseModel):
    """One reason for a lane, in words an officer understands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ReasonKind
    text: str = Field(description="Plain-language reason shown to the officer")
    code: str | None = Field(default=None, description="Rule id, watchlist entry id or model feature")
    weight: float | None = Field(default=None, description="Contribution to the score, or the match score")


class LaneOverride(BaseModel):
    """A supervisor's re-routing of a decision: the lane set, the lane scoring gave, who (key id), why and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lane: Lane = Field(description="The lane the supervisor set; it stands until another override")
    scored_lane: Lane = Field(description="The lane scoring gave (its latest, when it amended the decision since)")
    reason: str = Field(min_length=1, max_length=500, description="Why, in the supervisor's words")
    key_id: str = Field(description="The API key id of the supervisor")
    overridden_at: AwareDatetime


class PossibleMatch(BaseModel):
    """A name match scored between the stream's review threshold and its hit threshold: it sets no lane by itself;
    an analyst confirms it (the entry's lane applies) or dismisses it (remembered for the subject and entry version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str = Field(description="The watchlist entry matched")
    entry_version: int = Field(ge=1, description="The entry's version: a dismissal holds until the entry changes")
    list_name: str = Field(description="The list the entry is on")
    score: float = Field(ge=0, le=1, description="The match score")
    subject_key: str = Field(
        max_length=200,
        description="Whom the match is about: `trader:<trader id>`, `document:<issuing state>:<digest of the "
        "number>` (a traveller's document, never the number itself) or `party:<normalised name>|<country>`",
    )
    lane: Lane = Field(description="The lane the entry forces when an analyst confirms the match")


class PendingReview(BaseModel):
    """Possible matches waiting for an analyst, and the lane the subject has without them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provisional_lane: Lane = Field(
        description="The lane without the possible matches (the decision's lane until an analyst confirms one)"
    )
    possible_matches: list[PossibleMatch] = Field(min_length=1)


class Decision(BaseModel):
    """A lane decision with everything needed to trace it: versions, reasons, timestamps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream: Stream
    subject_id: str = Field(description="Declaration id, passenger record id or container event id")
    lane: Lane
    score: float = Field(ge=0, le=1, description="Risk score in 0..1 (model and rules combined)")
    model_version: str | None = Field(description="Model that scored it (None for streams without a model)")
    rules_version: str = Field(description="Version of the selectivity rules in force")
    watchlist_version: str = Field(description="Version of the watchlists in force")
    reasons: list[Reason] = Field(default_factory=list)
    random_selection: bool = Field(default=False, description="Sent to inspection by random selection")
    challenger_version: str | None = Field(default=None, description="Shadow model, when one is scored")
    challenger_score: float | None = Field(default=None, description="Shadow model's score; never sets the lane")
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="Facts of the subject that clients filter on (office_id, importer_id ...); no personal data",
    )
    submitted_at: AwareDatetime = Field(description="When the submitter lodged the item")
    received_at: AwareDatetime = Field(description="When ingest accepted it (its Kafka record's timestamp)")
    decided_at: AwareDatetime = Field(description="When scoring decided")
    content_digest: str | None = Field(
        default=None,
        description="SHA-256 of the subject's canonical JSON as scoring read it: the same content, the same digest",
    )
    version: int = Field(
        default=1,
        ge=1,
        description="Which version of the subject this decision is about: 1 for the first content, one more for "
        "each amendment (counted by the store; scoring sends 1)",
    )
    amended: bool = Field(default=False, description="The subject was amended: this decision is version 2 or later")
    override: LaneOverride | None = Field(
        default=None,
        description="Set when a supervisor overrode the lane (this version or an earlier one); absent otherwise",
        # Left out when unset: a decision without an override is, byte for byte, what it was before overrides.
        exclude_if=lambda override: override is None,
    )
    review: PendingReview | None = Field(
        default=None,
        description="Set when possible matches wait for an analyst's review (`GET /v1/reviews`); absent otherwise",
        # Left out when unset, like `override`: a decision without possible matches is what it was before reviews.
        exclude_if=lambda review: review is None,
    )
