"""Screening the version-2 parts of declarations: every named party, the vessel, each container, against the watchlists.

A party is screened by name, with its country and trader id as corroborating facts; one party named in several roles
(exporter and consignor) is screened once and its reason names every role. A hit is strong (the entry's action
applies) when an identifier decides it (IMO number, container number, the party's trader id listed as a document
of the entry) or the name score reaches `screening_strong_score`; a weaker hit is a possible match, yellow at most.
Version-1 declarations have nothing to screen here (their trader ids are checked in `selectivity.py`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import SELECTIVITY_HITS
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.streams import match_text
from portcullis.shared.schemas import Declaration, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.watchlist import Action
from portcullis.shared.screening import Match, ScreeningQuery

#: Listed kinds a party can be: a company or a person trading in their own name.
PARTY_KINDS = frozenset({"organization", "person"})
_IDENTIFIER_EVIDENCE = "document number matches"


@dataclass(frozen=True, slots=True)
class ScreeningLimits:
    """The name score at which a hit counts, and the one at which it is certain enough to take the entry's action."""

    threshold: float
    strong_score: float


def has_parts_to_screen(declaration: Declaration) -> bool:
    """Whether the declaration names parties, a vessel or containers."""
    transport = declaration.transport
    return bool(declaration.parties) or (
        transport is not None and (transport.vessel_imo is not None or bool(transport.container_numbers))
    )


def screen_declarations(
    lists: ListState,
    declarations: Sequence[Declaration],
    selections: Sequence[Selection],
    at: datetime,
    limits: ScreeningLimits,
) -> None:
    """Add the watchlist hits of each declaration's parties, vessel and containers to its selection."""
    for declaration, selection in zip(declarations, selections, strict=True):
        if not has_parts_to_screen(declaration):
            continue
        before = len(selection.reasons)
        screen_declaration(lists, declaration, at, limits, selection)
        for reason in selection.reasons[before:]:
            SELECTIVITY_HITS.labels(Stream.DECLARATION, reason.kind).inc()


def screen_declaration(
    lists: ListState, declaration: Declaration, at: datetime, limits: ScreeningLimits, selection: Selection
) -> None:
    """Add one declaration's party, vessel and container hits to `selection`."""
    index = lists.index
    # One query per distinct party (name, country, id); its roles in the order the declaration names them.
    roles: dict[tuple[str, str | None, str | None], list[str]] = {}
    for party in declaration.parties or ():
        named = roles.setdefault((party.name, party.country, party.party_id), [])
        if party.role.value not in named:
            named.append(party.role.value)
    for (name, country, party_id), named_roles in roles.items():
        query = ScreeningQuery(name=name, country=country, document_number=party_id)
        for match in index.screen(query, limit=3, threshold=limits.threshold):
            if match.entry.kind not in PARTY_KINDS:
                continue
            strong = _IDENTIFIER_EVIDENCE in match.evidence or match.score >= limits.strong_score
            _hit(lists, selection, at, match, f"{' and '.join(named_roles)} {name!r}", strong)
    transport = declaration.transport
    if transport is None:
        return
    if transport.vessel_imo is not None:
        vessel = ScreeningQuery(name=transport.vessel_name or "", schema="Vessel", imo=transport.vessel_imo)
        for match in index.screen(vessel, limit=3, threshold=limits.threshold):
            if match.entry.kind != "vessel":
                continue
            by_imo = match.entry.imo_number == transport.vessel_imo
            what = f"vessel IMO {transport.vessel_imo}" if by_imo else f"vessel {transport.vessel_name!r}"
            _hit(lists, selection, at, match, what, strong=by_imo)
    for number in transport.container_numbers:
        for match in index.screen(ScreeningQuery(container_number=number), limit=3, threshold=limits.threshold):
            if match.entry.kind == "container":
                _hit(lists, selection, at, match, f"container {number}", strong=True)


def _hit(lists: ListState, selection: Selection, at: datetime, match: Match, what: str, strong: bool) -> None:
    document = lists.entry(match.entry.entry_id)
    if document is None or not document.entry.in_force(at):
        return
    entry = match.entry
    action = document.entry.action if strong else Action(lane=Lane.YELLOW)
    relation = "matches" if strong else "may match (possible match, to be checked)"
    listed = f"{entry.name!r}" if entry.name else "a listed entry"
    text = (
        f"{what} {relation} {listed} on the watchlist {entry.list_name!r} "
        f"(entry {entry.entry_id}, {match_text(match.score, match.evidence)}): {entry.reason}"
    )
    selection.add(action, Reason(kind=ReasonKind.WATCHLIST, text=text, code=entry.entry_id, weight=match.score))
