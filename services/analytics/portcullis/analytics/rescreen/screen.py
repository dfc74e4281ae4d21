"""Screening the stored history against the watchlist entries just added or changed, with the shared matcher and
scoring's thresholds.

The queries are those scoring builds for each stream (`scoring/passengers.py`, `containers.py`,
`declaration_screening.py`): travellers by full name, date of birth, nationality and document number; container
shippers and consignees and declaration parties by name, country and trader id; vessels by name and IMO number;
containers by number. Only the streams where the entries' kinds can match are read. Identical queries (a vessel named
on a thousand events) are screened once.
"""

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
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
#: Up to this many listed names, stored names are pre-screened against them all (a day's changes: a few seconds over
#: a month of traffic); beyond, the index's candidate generation alone picks what to screen (a whole list).
PRESCREEN_NAMES = 200


@dataclass(frozen=True, slots=True)
class Limits:
    """The name score at which a hit counts, and the one from which it is strong (scoring's two thresholds)."""

    threshold: float
    strong_score: float


@dataclass(frozen=True, slots=True)
class Hit:
    """A stored record an entry matches: which, when received, which entry, how well, the reason an officer reads."""

    stream: Stream
    subject_id: str
    received_at: datetime
    entry_id: str
    score: float
    strong: bool
    reason: str


@dataclass(frozen=True, slots=True)
class _Found:
    match: Match
    strong: bool
    what: str


class ListScreen:
    """Entries (one changed entry, a day's changes, or a whole list just imported) in an index of their own, screened
    against stored records.

    For a few entries, a vectorised pre-screen of every stored name against the entries' names keeps only the records
    that can match; for many (more than `PRESCREEN_NAMES` names), every distinct stored query goes to the index,
    whose own candidate generation does that work: its cost does not grow with the number of entries.
    """

    def __init__(self, entries: Sequence[WatchlistEntry], limits: Limits) -> None:
        self.entries = {entry.entry_id: entry for entry in entries}
        self._kinds = {entry.kind for entry in entries}
        self._limits = limits
        self._index = WatchlistIndex(match_threshold=limits.threshold)
        self._index.extend(entries)
        self._cache: dict[Hashable, list[Match]] = {}
        names = [_ascii(name) for entry in entries for name in entry.names if name]
        self._names = names if len(names) <= PRESCREEN_NAMES else None
        self._documents = {normalize_document_number(d.number) for entry in entries for d in entry.documents}
        self._containers = {e.container_number for e in entries if e.kind == "container" and e.container_number}
        self._imos = {e.imo_number for e in entries if e.kind == "vessel" and e.imo_number}

    def worth_screening(self, names: list[str], documents: list[str | None] | None = None) -> np.ndarray:
        """Which of the names (and documents, alike in length) can match at all: a vectorised pre-screen."""
        if self._names is None:
            return np.ones(len(names), dtype=bool)
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
        """The streams whose records these entries' kinds can match."""
        reach = {
            "person": (Stream.PASSENGER, Stream.DECLARATION),
            "organization": (Stream.CONTAINER, Stream.DECLARATION),
            "vessel": (Stream.CONTAINER, Stream.DECLARATION),
            "container": (Stream.CONTAINER, Stream.DECLARATION),
        }
        return tuple(stream for stream in Stream if any(stream in reach.get(kind, ()) for kind in self._kinds))

    def screens_parties(self) -> bool:
        """Whether a declaration's parties can match (a listed company, or a person trading in their own name)."""
        return bool(self._kinds & _PARTY_KINDS)

    def screens_transport(self) -> bool:
        """Whether a declaration's vessel or containers can match."""
        return bool(self._kinds & {"vessel", "container"})

    def shortlist_passengers(self, travellers: list[StoredPassenger]) -> list[StoredPassenger]:
        """The travellers whose name or document number can match."""
        names = [f"{t.given_names} {t.surname}" for t in travellers]
        wanted = self.worth_screening(names, [t.document_number for t in travellers])
        return [traveller for traveller, keep in zip(travellers, wanted, strict=True) if keep]

    def shortlist_party_rows(self, rows: list[PartyRow]) -> list[StoredShipment]:
        """The declarations (from their party rows) one of whose parties can match, with all their parties."""
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
        """The container events or declarations whose parties, vessel or containers can match."""
        wanted: set[int] = set()
        if self._containers:
            wanted |= {i for i, s in enumerate(shipments) if not self._containers.isdisjoint(s.container_numbers)}
        owners: list[int] = []
        names: list[str] = []
        documents: list[str | None] = []
        vessels, parties = "vessel" in self._kinds, "organization" in self._kinds
        for position, shipment in enumerate(shipments):
            if vessels and shipment.vessel_name:
                owners.append(position)
                names.append(shipment.vessel_name)
                documents.append(None)
            if parties:
                for party in shipment.parties:
                    owners.append(position)
                    names.append(party.name)
                    documents.append(party.party_id)
        if names:
            wanted |= {owners[i] for i in np.flatnonzero(self.worth_screening(names, documents))}
        if self._imos:
            wanted |= {i for i, s in enumerate(shipments) if s.vessel_imo in self._imos}
        return [shipments[i] for i in sorted(wanted)]

    def _screen(self, query: ScreeningQuery, limit: int = 3) -> list[Match]:
        found = self._cache.get(query)
        if found is None:
            found = self._index.screen(query, limit=limit, threshold=self._limits.threshold)
            self._cache[query] = found
        return found

    def passenger(self, traveller: StoredPassenger) -> list[_Found]:
        """As scoring screens a traveller: a document number of another state is no identity."""
        if "person" not in self._kinds:
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
        if "organization" in self._kinds:
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
        if self.screens_parties():
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
        if "vessel" in self._kinds and (shipment.vessel_imo or shipment.vessel_name):
            query = ScreeningQuery(name=shipment.vessel_name or "", schema="Vessel", imo=shipment.vessel_imo)
            for match in self._screen(query):
                if match.entry.kind != "vessel":
                    continue
                by_imo = shipment.vessel_imo is not None and match.entry.imo_number == shipment.vessel_imo
                what = f"vessel IMO {shipment.vessel_imo}" if by_imo else f"vessel {shipment.vessel_name!r}"
                found.append(_Found(match, by_imo, what))
        if "container" in self._kinds:
            for number in shipment.container_numbers:
                for match in self._screen(ScreeningQuery(container_number=number)):
                    if match.entry.kind == "container":
                        found.append(_Found(match, True, f"container {number}"))
        return found


def rescreen(reader: HistoryReader, entries: Sequence[WatchlistEntry], limits: Limits, since: datetime) -> list[Hit]:
    """Every stored record since `since` that one of the entries matches: each subject once per stream and entry (the
    best match)."""
    screen = ListScreen(entries, limits)
    hits: dict[tuple[Stream, str, str], Hit] = {}
    for stream in screen.streams():
        if stream is Stream.PASSENGER:
            travellers = screen.shortlist_passengers(reader.passengers(since))
            _collect(hits, stream, travellers, screen.passenger)
        elif stream is Stream.CONTAINER:
            events = screen.shortlist_shipments(reader.containers(since))
            _collect(hits, stream, events, screen.container)
        else:
            if screen.screens_parties():
                declarations = screen.shortlist_party_rows(reader.declaration_parties(since))
                _collect(hits, stream, declarations, screen.declaration)
            if screen.screens_transport():
                declarations = screen.shortlist_shipments(reader.declaration_transports(since))
                _collect(hits, stream, declarations, screen.declaration)
    return sorted(hits.values(), key=lambda hit: (hit.entry_id, hit.stream.value, hit.subject_id))


def _collect(
    hits: dict[tuple[Stream, str, str], Hit],
    stream: Stream,
    records: Iterable[Stored],
    screen: Callable[[Stored], list[_Found]],
) -> None:
    for record in records:
        for found in screen(record):
            entry = found.match.entry
            key = (stream, record.subject_id, entry.entry_id)
            known = hits.get(key)
            if known is not None and known.score >= found.match.score:
                continue
            reason = _reason(entry, found)
            hits[key] = Hit(
                stream, record.subject_id, record.received_at, entry.entry_id, found.match.score, found.strong, reason
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
