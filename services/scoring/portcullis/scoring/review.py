"""Possible matches for an analyst's review, and the dismissals scoring remembers.

A name match scored from the stream's review threshold up to the hit threshold (`screening_strong_score`) sets no
lane: the decision keeps the lane the rest gives (its provisional lane) and lists the match under `review`. An
analyst confirms or dismisses it at the gateway, which publishes the verdict on the compacted `reviews` topic,
keyed by the subject, the entry and the entry's version. Every scoring replica follows that topic from its start
(before it scores), so a dismissed possible match does not come back for the same subject until the entry changes
(a new version), across restarts.
"""

import hashlib

from portcullis.scoring.dismissals import Dismissals
from portcullis.scoring.metrics import POSSIBLE_MATCHES
from portcullis.scoring.selectivity import Selection
from portcullis.shared.schemas import Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.decision import PossibleMatch
from portcullis.shared.schemas.watchlist import EntryDocument
from portcullis.shared.screening import Match
from portcullis.shared.screening.normalize import normalize_name

_SUBJECT_KEY_LENGTH = 200


def party_subject_key(name: str, country: str | None, trader_id: str | None) -> str:
    """A party's subject key: its trader id when it has one, else its normalised name and country."""
    if trader_id:
        return f"trader:{trader_id}"[:_SUBJECT_KEY_LENGTH]
    return f"party:{' '.join(normalize_name(name).tokens)}|{country or ''}"[:_SUBJECT_KEY_LENGTH]


def document_subject_key(issuing_country: str, number: str) -> str:
    """A traveller's subject key: the document's issuing state and a digest of its number (never the number)."""
    compact = "".join(number.split()).upper()
    return f"document:{issuing_country}:{hashlib.sha256(compact.encode()).hexdigest()[:32]}"


def hold_for_review(
    selection: Selection,
    dismissals: Dismissals,
    stream: Stream,
    document: EntryDocument,
    match: Match,
    subject_key: str,
    what: str,
) -> None:
    """Add a possible match to the selection for review (no lane), unless it was dismissed for this subject and
    this version of the entry."""
    entry = match.entry
    if dismissals.dismissed(subject_key, document.id, document.version):
        POSSIBLE_MATCHES.labels(stream.value, "suppressed").inc()
        return
    POSSIBLE_MATCHES.labels(stream.value, "pending").inc()
    listed = f"{entry.name!r}" if entry.name else "a listed entry"
    text = (
        f"{what} may match {listed} on the watchlist {entry.list_name!r} (entry {entry.entry_id}, match score "
        f"{match.score:.2f}): possible match pending an analyst's review, sets no lane until confirmed"
    )
    possible = PossibleMatch(
        entry_id=document.id,
        entry_version=document.version,
        list_name=entry.list_name,
        score=round(min(max(match.score, 0.0), 1.0), 6),
        subject_key=subject_key,
        lane=document.entry.action.lane or Lane.YELLOW,
    )
    selection.hold_for_review(
        possible, Reason(kind=ReasonKind.WATCHLIST, text=text, code=entry.entry_id, weight=match.score)
    )
