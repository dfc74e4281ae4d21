"""Scoring advance passenger records: rules, screening of the traveller against watchlisted persons, indicators.

Lanes: green = clear, yellow = secondary questioning, red = hold.
"""

from dataclasses import dataclass
from datetime import datetime

from portcullis.scoring.review import document_subject_key, hold_for_review
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.streams import Indicator, StreamPipeline, match_text
from portcullis.shared.rules.fields import document_validity_days, route_detour_ratio
from portcullis.shared.schemas import Lane, Reason, ReasonKind
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import Action
from portcullis.shared.screening import Match, ScreeningQuery, WatchlistIndex
from portcullis.shared.screening.identifiers import normalize_document_number
from portcullis.shared.streams import PASSENGERS

#: Indicator weights (noisy-or; see streams.py). One strong indicator alone reaches yellow, two reach red.
EXPIRED_DOCUMENT_WEIGHT = 0.6
SHORT_VALIDITY_WEIGHT = 0.15
ODD_ROUTE_WEIGHT = 0.45
INDIRECT_ROUTE_WEIGHT = 0.15
FOREIGN_DOCUMENT_WEIGHT = 0.1
#: Itineraries flying this many times the direct distance are a broken journey (a classic API/PNR indicator).
ODD_ROUTE_RATIO = 2.5
INDIRECT_ROUTE_RATIO = 1.8
_DOCUMENT_EVIDENCE = "document number matches"
_BIRTH_EVIDENCE = "date of birth matches"


@dataclass(frozen=True, slots=True)
class PersonHit:
    """A watchlisted person the traveller matches, and whether the match is strong enough to take its action."""

    match: Match
    strong: bool


def passenger_query(record: PassengerRecord, with_document: bool = True) -> ScreeningQuery:
    """What is screened of a traveller: full name, date of birth, nationality and the document number."""
    return ScreeningQuery(
        name=f"{record.given_names} {record.surname}",
        schema="Person",
        dob=record.date_of_birth,
        country=record.nationality,
        document_number=record.document.number if with_document else None,
    )


def screen_passenger(
    index: WatchlistIndex, record: PassengerRecord, threshold: float, strong_score: float, limit: int = 3
) -> list[PersonHit]:
    """Listed persons the traveller matches, best first.

    A listed document number decides on its own only when its issuing country is not listed or is the record's;
    a hit is strong when the document decides, the listed date of birth is the traveller's, or the score reaches
    `strong_score`.
    """
    matches = index.screen(passenger_query(record), limit=limit, threshold=threshold)
    if any(not _document_consistent(m, record) for m in matches):
        # A number shared with a document of another state is no identity: screen on name and facts only.
        matches = index.screen(passenger_query(record, with_document=False), limit=limit, threshold=threshold)
    hits = []
    for match in matches:
        if match.entry.kind != "person":
            continue
        strong = (
            _DOCUMENT_EVIDENCE in match.evidence or _BIRTH_EVIDENCE in match.evidence or match.score >= strong_score
        )
        hits.append(PersonHit(match, strong))
    return hits


def _document_consistent(match: Match, record: PassengerRecord) -> bool:
    if _DOCUMENT_EVIDENCE not in match.evidence:
        return True
    number = normalize_document_number(record.document.number)
    return any(
        normalize_document_number(d.number) == number and d.country in (None, record.document.issuing_country)
        for d in match.entry.documents
    )


class PassengerPipeline(StreamPipeline[PassengerRecord]):
    """Advance passenger records to decisions."""

    spec = PASSENGERS
    scheme_version = "passenger-indicators-1"

    def submitted_at(self, subject: PassengerRecord, received_at: datetime) -> datetime:
        # API messages carry no lodgement time; ingest's acceptance is when the carrier sent it.
        return received_at

    def screen(self, subject: PassengerRecord, at: datetime, selection: Selection) -> None:
        threshold = min(self._settings.screening_threshold, self._review_threshold)
        hits = screen_passenger(self._lists.index, subject, threshold, self._settings.screening_strong_score)
        for hit in hits:
            document = self._lists.entry(hit.match.entry.entry_id)
            if document is None or not document.entry.in_force(at):
                continue
            if not hit.strong and hit.match.score >= self._review_threshold:
                key = document_subject_key(subject.document.issuing_country, subject.document.number)
                hold_for_review(selection, self._lists.dismissals, self.stream, document, hit.match, key, "traveller")
                continue
            entry = hit.match.entry
            action = document.entry.action if hit.strong else Action(lane=Lane.YELLOW)
            described = "matches" if hit.strong else "may be (possible match, question to resolve)"
            text = (
                f"traveller {described} {entry.name!r} on the watchlist {entry.list_name!r} "
                f"(entry {entry.entry_id}, {match_text(hit.match.score, hit.match.evidence)}): {entry.reason}"
            )
            reason = Reason(kind=ReasonKind.WATCHLIST, text=text, code=entry.entry_id, weight=hit.match.score)
            selection.add(action, reason)

    def indicators(self, subject: PassengerRecord) -> list[Indicator]:
        found = []
        days = int(document_validity_days(subject))
        if days < 0:
            text = f"travel document expired {-days} days before the scheduled arrival"
            found.append(Indicator("document_expired", EXPIRED_DOCUMENT_WEIGHT, text))
        elif days < self._settings.document_validity_min_days:
            text = f"travel document is valid only {days} days after arrival"
            found.append(Indicator("document_short_validity", SHORT_VALIDITY_WEIGHT, text))
        ratio = route_detour_ratio(subject.itinerary)
        if ratio >= INDIRECT_ROUTE_RATIO:
            route = "-".join(subject.itinerary)
            weight = ODD_ROUTE_WEIGHT if ratio >= ODD_ROUTE_RATIO else INDIRECT_ROUTE_WEIGHT
            text = f"itinerary {route} flies {ratio:.1f} times the direct distance"
            found.append(Indicator("route_detour", weight, text))
        if subject.document.issuing_country != subject.nationality:
            text = (
                f"travel document issued by {subject.document.issuing_country}, "
                f"not by the country of nationality {subject.nationality}"
            )
            found.append(Indicator("document_foreign_issuer", FOREIGN_DOCUMENT_WEIGHT, text))
        return found

    def attributes(self, subject: PassengerRecord) -> dict[str, str]:
        """The flight and the port of entry (as `office_id`); nothing about the traveller."""
        return {
            "office_id": subject.arrival_airport,
            "carrier": subject.carrier,
            "flight": f"{subject.carrier}{subject.flight_number}",
            "departure_airport": subject.departure_airport,
            "arrival_airport": subject.arrival_airport,
            "departure_date": subject.scheduled_departure.date().isoformat(),
        }
