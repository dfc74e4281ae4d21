"""Screening the stored history against ONE watchlist entry, with the shared matcher and scoring's thresholds.

The queries are those scoring builds for each stream (`scoring/passengers.py`, `containers.py`,
`declaration_screening.py`): travellers by full name, date of birth, nationality and document number; container
shippers and consignees and declaration parties by name, country and trader id; vessels by name and IMO number;
containers by number. Only the streams where the entry's kind can match are read. Identical queries (a vessel named
on a thousand events) are screened once.
"""

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz, utils
from rapidfuzz.process import cdist

from portcullis.analytics.rescreen.history import (
    HistoryReader,
    PartyRow,
    StoredParty,
    StoredPassenger,
    StoredShipment,
)
from portcullis.shared.schemas import Stream
from portcullis.shared.screening import Match, ScreeningQuery, WatchlistEntry, WatchlistIndex
from portcullis.shared.screening.identifiers import normalize_document_number

Stored = TypeVar("Stored", StoredPassenger, StoredShipment)

_DOCUMENT_EVIDENCE = "document number matches"
_BIRTH_EVIDENCE = "date of birth matches"
#: A stored name is screened in full only when its quick token-set score against one of the entry's names reaches
#: this (0-100): far below what any hit scores (the matcher's own quick score drops candidates under 65 out of 100,
#: on sound-alike spellings), so only names that share nothing with the entry's are skipped.
PREFILTER_SCORE = 50
#: What `normalize_document_number` removes (compiled once: it runs for every stored traveller).
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]")
#: The listed kinds a declaration party can be: a company, or a person trading in their own name.
_PARTY_KINDS = frozenset({"organization", "person"})


@dataclass(frozen=True, slots=True)
class Limits:
    """The name score at which a hit counts, and the one from which it is strong (scoring's two thresholds)."""

    threshold: float
    strong_score: float


@dataclass(frozen=True, slots=True)
class Hit:
    """A stored record the entry matches: which, when received, how well, and the reason an officer reads."""

    stream: Stream
    subject_id: str
    received_at: datetime
    score: float
    strong: bool
    reason: str


@dataclass(frozen=True, slots=True)
class _Found:
    match: Match
    strong: bool
    what: str


class EntryScreen:
    """One entry in an index of its own, screened against stored records."""

    def __init__(self, entry: WatchlistEntry, limits: Limits) -> None:
        self.entry = entry
        self._limits = limits
        self._index = WatchlistIndex(match_threshold=limits.threshold)
        self._index.upsert(entry)
        self._cache: dict[Hashable, list[Match]] = {}
        self._names = [_ascii(name) for name in entry.names if name]
        self._documents = {normalize_document_number(d.number) for d in entry.documents}

    def worth_screening(self, names: list[str], documents: list[str | None] | None = None) -> np.ndarray:
        """Which of the names (and documents, alike in length) can match at all: a vectorised pre-screen."""
        wanted = np.zeros(len(names), dtype=bool)
        if self._names and names:
            # Each distinct name once: traders and vessels recur on thousands of records.
            distinct = list(dict.fromkeys(names))
            scores = cdist(
                self._names,
                [_ascii(name) for name in distinct],
                scorer=fuzz.token_set_ratio,
                processor=utils.default_process,
                score_cutoff=PREFILTER_SCORE,
                dtype=np.uint8,
                workers=2,
            )
            matching = {name for name, score in zip(distinct, scores.max(axis=0), strict=True) if score > 0}
            wanted |= np.array([name in matching for name in names], dtype=bool)
        if self._documents and documents is not None:
            listed = [d is not None and _NOT_ALPHANUMERIC.sub("", d).upper() in self._documents for d in documents]
            wanted |= np.array(listed, dtype=bool)
        return wanted

    def streams(self) -> tuple[Stream, ...]:
        """The streams whose records this entry's kind can match."""
        return {
            "person": (Stream.PASSENGER, Stream.DECLARATION),
            "organization": (Stream.CONTAINER, Stream.DECLARATION),
            "vessel": (Stream.CONTAINER, Stream.DECLARATION),
            "container": (Stream.CONTAINER, Stream.DECLARATION),
        }.get(self.entry.kind, ())

    def shortlist_passengers(self, travellers: list[StoredPassenger]) -> list[StoredPassenger]:
        """The travellers whose name or document number can match the entry."""
        names = [f"{t.given_names} {t.surname}" for t in travellers]
        wanted = self.worth_screening(names, [t.document_number for t in travellers])
        return [traveller for traveller, keep in zip(travellers, wanted, strict=True) if keep]

    def shortlist_party_rows(self, rows: list[PartyRow]) -> list[StoredShipment]:
        """The declarations (from their party rows) one of whose parties can match the entry, with all their parties."""
        wanted_rows = self.worth_screening([row[2] for row in rows], [row[4] for row in rows])
        wanted = {row[0] for row, keep in zip(rows, wanted_rows, strict=True) if keep}
        parties: dict[str, list[StoredParty]] = {}
        received: dict[str, datetime] = {}
        for declaration_id, at, name, country, party_id, role in rows:
            if declaration_id in wanted:
                parties.setdefault(declaration_id, []).append(StoredParty(name, country, party_id, role))
                received[declaration_id] = at
        return [StoredShipment(d, received[d], tuple(found), None, None, ()) for d, found in parties.items()]

    def shortlist_shipments(self, shipments: list[StoredShipment]) -> list[StoredShipment]:
        """The container events or declarations whose parties, vessel or containers can match the entry."""
        entry = self.entry
        if entry.kind == "container":
            return [s for s in shipments if entry.container_number in s.container_numbers]
        owners: list[int] = []
        names: list[str] = []
        documents: list[str | None] = []
        for position, shipment in enumerate(shipments):
            if entry.kind == "vessel":
                if shipment.vessel_name:
                    owners.append(position)
                    names.append(shipment.vessel_name)
                    documents.append(None)
            else:
                for party in shipment.parties:
                    owners.append(position)
                    names.append(party.name)
                    documents.append(party.party_id)
        wanted = {owners[i] for i in np.flatnonzero(self.worth_screening(names, documents))}
        if entry.kind == "vessel" and entry.imo_number:
            wanted |= {i for i, s in enumerate(shipments) if s.vessel_imo == entry.imo_number}
        return [shipments[i] for i in sorted(wanted)]

    def _screen(self, query: ScreeningQuery, limit: int = 3) -> list[Match]:
        found = self._cache.get(query)
        if found is None:
            found = self._index.screen(query, limit=limit, threshold=self._limits.threshold)
            self._cache[query] = found
        return found

    def passenger(self, traveller: StoredPassenger) -> list[_Found]:
        """As scoring screens a traveller: a document number of another state is no identity."""
        if self.entry.kind != "person":
            return []
        born = _date(traveller.date_of_birth)
        name = f"{traveller.given_names} {traveller.surname}".strip()
        query = ScreeningQuery(
            name=name,
            schema="Person",
            dob=born,
            country=traveller.nationality,
            document_number=traveller.document_number,
        )
        matches = self._screen(query)
        if any(not _document_consistent(m, traveller) for m in matches):
            no_document = ScreeningQuery(name=name, schema="Person", dob=born, country=traveller.nationality)
            matches = self._screen(no_document)
        found = []
        for match in matches:
            if match.entry.kind != "person":
                continue
            strong = (
                _DOCUMENT_EVIDENCE in match.evidence
                or _BIRTH_EVIDENCE in match.evidence
                or match.score >= self._limits.strong_score
            )
            found.append(_Found(match, strong, "traveller"))
        return found

    def container(self, event: StoredShipment) -> list[_Found]:
        """As scoring screens a container event: the vessel, the container, the shipper and the consignee."""
        found = self._vessel_and_boxes(event)
        if self.entry.kind == "organization":
            for party in event.parties:
                query = ScreeningQuery(name=party.name, country=party.country, document_number=party.party_id)
                for match in self._screen(query):
                    if match.entry.kind == "organization":
                        strong = _DOCUMENT_EVIDENCE in match.evidence or match.score >= self._limits.strong_score
                        found.append(_Found(match, strong, f"{party.role} {party.name!r}"))
        return found

    def declaration(self, declaration: StoredShipment) -> list[_Found]:
        """As scoring screens a version-2 declaration: each distinct party once, the vessel, each container."""
        found = self._vessel_and_boxes(declaration)
        if self.entry.kind in _PARTY_KINDS:
            roles: dict[tuple[str, str | None, str | None], list[str]] = {}
            for party in declaration.parties:
                named = roles.setdefault((party.name, party.country, party.party_id), [])
                if party.role not in named:
                    named.append(party.role)
            for (name, country, party_id), named_roles in roles.items():
                query = ScreeningQuery(name=name, country=country, document_number=party_id)
                for match in self._screen(query, limit=6):
                    if match.entry.kind not in _PARTY_KINDS:
                        continue
                    strong = _DOCUMENT_EVIDENCE in match.evidence or match.score >= self._limits.strong_score
                    found.append(_Found(match, strong, f"{' and '.join(named_roles)} {name!r}"))
        return found

    def _vessel_and_boxes(self, shipment: StoredShipment) -> list[_Found]:
        found = []
        if self.entry.kind == "vessel" and (shipment.vessel_imo or shipment.vessel_name):
            query = ScreeningQuery(name=shipment.vessel_name or "", schema="Vessel", imo=shipment.vessel_imo)
            for match in self._screen(query):
                if match.entry.kind != "vessel":
                    continue
                by_imo = shipment.vessel_imo is not None and match.entry.imo_number == shipment.vessel_imo
                what = f"vessel IMO {shipment.vessel_imo}" if by_imo else f"vessel {shipment.vessel_name!r}"
                found.append(_Found(match, by_imo, what))
        if self.entry.kind == "container":
            for number in shipment.container_numbers:
                for match in self._screen(ScreeningQuery(container_number=number)):
                    if match.entry.kind == "container":
                        found.append(_Found(match, True, f"container {number}"))
        return found


def rescreen(reader: HistoryReader, entry: WatchlistEntry, limits: Limits, since: datetime) -> list[Hit]:
    """Every stored record since `since` that the entry matches, each subject once per stream (the best match)."""
    screen = EntryScreen(entry, limits)
    hits: dict[tuple[Stream, str], Hit] = {}
    for stream in screen.streams():
        if stream is Stream.PASSENGER:
            travellers = screen.shortlist_passengers(reader.passengers(since))
            _collect(hits, stream, travellers, screen.passenger, entry)
        elif stream is Stream.CONTAINER:
            events = screen.shortlist_shipments(reader.containers(since))
            _collect(hits, stream, events, screen.container, entry)
        else:
            if entry.kind in _PARTY_KINDS:
                declarations = screen.shortlist_party_rows(reader.declaration_parties(since))
            else:
                declarations = screen.shortlist_shipments(reader.declaration_transports(since))
            _collect(hits, stream, declarations, screen.declaration, entry)
    return sorted(hits.values(), key=lambda hit: (hit.stream.value, hit.subject_id))


def _collect(
    hits: dict[tuple[Stream, str], Hit],
    stream: Stream,
    records: Iterable[Stored],
    screen: Callable[[Stored], list[_Found]],
    entry: WatchlistEntry,
) -> None:
    for record in records:
        for found in screen(record):
            key = (stream, record.subject_id)
            known = hits.get(key)
            if known is not None and known.score >= found.match.score:
                continue
            hits[key] = Hit(
                stream, record.subject_id, record.received_at, found.match.score, found.strong, _reason(entry, found)
            )


def _reason(entry: WatchlistEntry, found: _Found) -> str:
    relation = "matches" if found.strong else "may match (possible match, to be checked)"
    listed = f"{entry.name!r}" if entry.name else "a listed entry"
    evidence = f": {', '.join(found.match.evidence)}" if found.match.evidence else ""
    return (
        f"{found.what} {relation} {listed} on the watchlist {entry.list_name!r} "
        f"(entry {entry.entry_id}, match score {found.match.score:.2f}{evidence}): {entry.reason}"
    )


def _document_consistent(match: Match, traveller: StoredPassenger) -> bool:
    if _DOCUMENT_EVIDENCE not in match.evidence or traveller.document_number is None:
        return True
    number = normalize_document_number(traveller.document_number)
    return any(
        normalize_document_number(d.number) == number and d.country in (None, traveller.issuing_country)
        for d in match.entry.documents
    )


def _ascii(name: str) -> str:
    """A name in ASCII (the pre-screen's processor lower-cases it and keeps letters and digits)."""
    return name if name.isascii() else anyascii(name)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
