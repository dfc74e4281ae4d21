"""Screening the version-2 parts of declarations: every named party, the vessel, each container, against the watchlists.

A party is screened by name, with its country and trader id as corroborating facts; one party named in several roles
(exporter and consignor) is screened once and its reason names every role. Company names share words that say what
a company does ("Trading", "Import Export", "Industrial"): a match on a listed organisation counts only when the two
names also agree without those words (and legal forms), so "Jinyong Trading Co Ltd" is no hit on "SONGI TRADING
COMPANY". A hit is strong (the entry's action applies) when an identifier decides it (IMO number, container number,
the party's trader id listed as a document of the entry) or the name score reaches `screening_strong_score`; a
party's weaker match from the review threshold up is a possible match for an analyst's review (it sets no lane; see
review.py), and a vessel's name-only hit is a possible match, yellow at most. Version-1 declarations have nothing
to screen here (their trader ids are checked in `selectivity.py`).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache, partial

from rapidfuzz.distance import Indel

from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import SELECTIVITY_HITS
from portcullis.scoring.party_cache import VESSEL, PartyKey, PartyScreeningCache
from portcullis.scoring.review import hold_for_review, party_subject_key
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.streams import match_text
from portcullis.shared.schemas import Declaration, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.watchlist import Action
from portcullis.shared.screening import Match, ScreeningQuery, WatchlistIndex
from portcullis.shared.screening.normalize import PARTICLES, NormalizedName, normalize_name
from portcullis.shared.screening.scoring import name_similarity

#: Listed kinds a party can be: a company or a person trading in their own name.
PARTY_KINDS = frozenset({"organization", "person"})
#: Entries sharing one name (branches listed one by one, up to ten for `AL-AQSA`) all come back: a hit names each.
_PARTY_MATCH_LIMIT = 16
_VESSEL_MATCH_LIMIT = 3
#: Words that say what a company does or is, not which one it is: a match on them names no one.
GENERIC_COMPANY_WORDS = frozenset(
    {
        "TRADING", "TRADE", "TRADERS", "IMPORT", "EXPORT", "IMPEX", "INDUSTRIAL", "INDUSTRIES", "INDUSTRY",
        "INTERNATIONAL", "GENERAL", "ELECTRONICS", "ELECTRONIC", "MANUFACTURING", "MANUFACTURER", "TEXTILES",
        "TEXTILE", "MACHINERY", "FOODS", "FOOD", "CHEMICALS", "CHEMICAL", "MATERIALS", "SUPPLY", "SUPPLIES",
        "COMPONENTS", "LOGISTICS", "SHIPPING", "SERVICES", "SERVICE", "TECHNOLOGY", "TECHNOLOGIES", "ENTERPRISE",
        "ENTERPRISES", "COMPANY", "CORPORATION", "GROUP", "HOLDING", "HOLDINGS", "GLOBAL", "DEVELOPMENT",
        "INVESTMENT", "COMMERCIAL", "PRODUCTS", "EQUIPMENT", "ENGINEERING", "CONSTRUCTION",
    }
)  # fmt: skip
#: How alike what is left of a party's name and of the listed name without generic words must be: the share of
#: letters in common (which tells a typing error from another word of similar sound), or fewer letters and a high
#: name score (another romanisation changes several letters).
CORE_LETTERS_IN_COMMON = 0.82
CORE_LETTERS_WITH_SOUND = 0.65
CORE_NAME_SCORE = 0.9
#: Names spelt this alike as a whole (legal forms aside) agree, whatever their words: a typing error in a long name.
WHOLE_NAME_LETTERS = 0.95
#: A word this close in spelling to a generic word is that word mistyped ("SCHIPPING", "SUKPLY").
_GENERIC_SPELLING = 0.8
_WORD_RE = re.compile(r"[A-Z0-9]+")
# Room for the two ratios' rounding where they are equal.
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class ScreeningLimits:
    """The name score at which a hit counts, the one at which it is certain enough to take the entry's action, and
    the one from which a party's weaker match goes to an analyst's review (None: the hit threshold `threshold`)."""

    threshold: float
    strong_score: float
    review_threshold: float | None = None

    @property
    def review_from(self) -> float:
        """The score from which a party's match below `strong_score` waits for review instead of forcing yellow."""
        return self.threshold if self.review_threshold is None else self.review_threshold

    @property
    def screened_from(self) -> float:
        """The lowest name score a party's screening must keep: hits and the weaker matches sent to review."""
        return min(self.threshold, self.review_from)


def has_parts_to_screen(declaration: Declaration) -> bool:
    """Whether the declaration names parties, a vessel or containers."""
    transport = declaration.transport
    return bool(declaration.parties) or (
        transport is not None
        and (transport.vessel_imo is not None or bool(transport.vessel_name) or bool(transport.container_numbers))
    )


def screen_declarations(
    lists: ListState,
    declarations: Sequence[Declaration],
    selections: Sequence[Selection],
    at: datetime,
    limits: ScreeningLimits,
    parties: PartyScreeningCache | None = None,
) -> None:
    """Add the watchlist hits of each declaration's parties, vessel and containers to its selection; each distinct
    party name is screened once (`parties` keeps the screenings across batches; without it, within this one)."""
    parties = PartyScreeningCache() if parties is None else parties
    named = [_named_parties(declaration, limits.screened_from) for declaration in declarations]
    # The batch's new party and vessel names are scored together first (cheaper than one by one, the same scores).
    vessels = (
        (declaration.transport.vessel_name, _VESSEL_MATCH_LIMIT, limits.threshold)
        for declaration in declarations
        if declaration.transport is not None and declaration.transport.vessel_name
    )
    parties.prepare(lists.index, (key for roles in named for key in roles), vessels)
    hits: Counter[ReasonKind] = Counter()
    for declaration, roles, selection in zip(declarations, named, selections, strict=True):
        if not has_parts_to_screen(declaration):
            continue
        before = len(selection.reasons)
        _screen_declaration(lists, declaration, roles, at, limits, selection, parties)
        hits.update(reason.kind for reason in selection.reasons[before:])
    for kind, count in hits.items():  # once a batch: the counter takes a lock
        SELECTIVITY_HITS.labels(Stream.DECLARATION, kind).inc(count)
    parties.count_hits()


def screen_declaration(
    lists: ListState,
    declaration: Declaration,
    at: datetime,
    limits: ScreeningLimits,
    selection: Selection,
    parties: PartyScreeningCache | None = None,
) -> None:
    """Add one declaration's party, vessel and container hits to `selection` (the caller calls `parties.count_hits`
    after a batch)."""
    parties = PartyScreeningCache() if parties is None else parties
    roles = _named_parties(declaration, limits.screened_from)
    _screen_declaration(lists, declaration, roles, at, limits, selection, parties)


def _named_parties(declaration: Declaration, screened_from: float) -> dict[PartyKey, list[str]]:
    """A declaration's distinct parties (name, country, id) as keyed in the party cache, each with its roles in the
    order the declaration names them."""
    roles: dict[PartyKey, list[str]] = {}
    for party in declaration.parties or ():
        named = roles.setdefault(_party_key(party.name, party.country, party.party_id, screened_from), [])
        if party.role not in named:
            named.append(party.role)  # a StrEnum: its text is its value
    return roles


def _screen_declaration(
    lists: ListState,
    declaration: Declaration,
    roles: dict[PartyKey, list[str]],
    at: datetime,
    limits: ScreeningLimits,
    selection: Selection,
    parties: PartyScreeningCache,
) -> None:
    index = lists.index
    for key, named_roles in roles.items():
        name, country, party_id = key[0], key[1], key[2]
        matches = parties.party(index, key, partial(_party_matches, index, parties, name, country, party_id, limits))
        for match, by_identifier in matches:
            strong = by_identifier or match.score >= limits.strong_score
            what = f"{' and '.join(named_roles)} {name!r}"
            if not strong and match.score >= limits.review_from:
                _possible(lists, selection, at, match, what, party_subject_key(name, country, party_id))
                continue
            _hit(lists, selection, at, match, what, strong)
    transport = declaration.transport
    if transport is None:
        return
    if transport.vessel_imo is not None or transport.vessel_name:
        for match in _vessel_matches(index, parties, transport.vessel_name, transport.vessel_imo, limits.threshold):
            if match.entry.kind != "vessel":
                continue
            by_imo = transport.vessel_imo is not None and match.entry.imo_number == transport.vessel_imo
            what = f"vessel IMO {transport.vessel_imo}" if by_imo else f"vessel {transport.vessel_name!r}"
            _hit(lists, selection, at, match, what, strong=by_imo)
    for number in transport.container_numbers:
        if not index.lists_identifier(container_number=number):
            continue  # no listed box has the number (nearly every one): nothing to screen
        for match in index.screen(ScreeningQuery(container_number=number), limit=3, threshold=limits.threshold):
            if match.entry.kind == "container":
                _hit(lists, selection, at, match, f"container {number}", strong=True)


def _party_key(name: str, country: str | None, party_id: str | None, screened_from: float) -> PartyKey:
    """What a party's joined matches are kept under in the party cache (`prepare` and `party` must agree on it), with
    `ScreeningLimits.screened_from` (the scores its screening keeps)."""
    return (name, country, party_id, _PARTY_MATCH_LIMIT, screened_from)


def _party_matches(
    index: WatchlistIndex,
    parties: PartyScreeningCache,
    name: str,
    country: str | None,
    party_id: str | None,
    limits: ScreeningLimits,
) -> tuple[tuple[Match, bool], ...]:
    """A party's listed matches that count, best first, each with whether its trader id decided it: its name's
    screening (kept in `parties`) joined with an exact look-up of its trader id among the entries' documents."""
    threshold = limits.screened_from
    by_name = parties.screen(index, name, country, _PARTY_MATCH_LIMIT, threshold, partial(_name_counts, name))
    if not (party_id and index.lists_identifier(document_number=party_id)):
        # No entry carries the trader id (nearly every party): the name's matches that count, in their order.
        return tuple((match, False) for match, counts in by_name if counts and match.entry.kind in PARTY_KINDS)[
            :_PARTY_MATCH_LIMIT
        ]
    by_id = {
        match.entry.entry_id: match
        for match in index.screen(
            ScreeningQuery(document_number=party_id), limit=_PARTY_MATCH_LIMIT, threshold=threshold
        )
    }
    found: list[tuple[Match, bool]] = []
    for match, counts in by_name:
        identified = by_id.pop(match.entry.entry_id, None)
        if match.entry.kind not in PARTY_KINDS:
            continue
        if identified is not None:
            # As one query of name and id scores it: the identifier decides, the name's evidence comes first.
            evidence = [*match.evidence, *identified.evidence]
            found.append((match.model_copy(update={"score": 1.0, "evidence": evidence}), True))
        elif counts:
            found.append((match, False))
    found.extend((match, True) for match in by_id.values() if match.entry.kind in PARTY_KINDS)
    found.sort(key=lambda pair: (-pair[0].score, pair[0].entry.entry_id))
    return tuple(found[:_PARTY_MATCH_LIMIT])


def _vessel_matches(
    index: WatchlistIndex, parties: PartyScreeningCache, name: str | None, imo: str | None, threshold: float
) -> list[Match]:
    """The listed matches of a vessel's name and IMO number: the two screened together, as the IMO number lowers a
    listed vessel's name score when it differs, unless the name alone (kept in `parties`) matches nothing, when the
    IMO number alone decides (a differing number only lowers scores; the IMO numbers vary, the names recur)."""
    if name and parties.screen(index, name, None, _VESSEL_MATCH_LIMIT, threshold, _any_match, schema=VESSEL):
        # Kept by the index's result cache, where IMO numbers no entry carries share one screening.
        query = ScreeningQuery(name=name, schema=VESSEL, imo=imo)
    elif imo is not None and index.lists_identifier(imo=imo):
        query = ScreeningQuery(schema=VESSEL, imo=imo)
    else:
        return []
    return index.screen(query, limit=_VESSEL_MATCH_LIMIT, threshold=threshold)


def _any_match(match: Match) -> bool:
    return True


def _name_counts(name: str, match: Match) -> bool:
    """Whether a name match on a listed party counts: a person's does; an organisation's when the names agree on
    more than generic company words."""
    if match.entry.kind not in PARTY_KINDS:
        return False
    return match.entry.kind != "organization" or distinctive_names_agree(name, match.matched_name)


def distinctive_names_agree(name: str, listed: str) -> bool:
    """Whether two names agree on more than generic company words: spelt nearly alike as a whole (a typing error
    anywhere), neither has a generic word (the name score judged the distinctive words alone), or they are alike
    in what is left of each without generic words (or nothing is left of one). A word of the party's name a letter
    or two from a legal form or title the listed name has ("PRIVATI", "LIAILITY", "C.W." for "C.V.", "MULAH") is
    that legal form or title, mistyped or transliterated: not a distinctive word."""
    tokens, listed_tokens = normalize_name(name).tokens, normalize_name(listed).tokens
    if _letters_in_common(tokens, listed_tokens, WHOLE_NAME_LETTERS) >= WHOLE_NAME_LETTERS:
        return True
    core, listed_core = _distinctive(name), _distinctive(listed)
    if core == _without_particles(tokens) and listed_core == _without_particles(listed_tokens):
        return True
    left_out = _left_out_words(listed, listed_core)
    core = tuple(word for word in core if not any(_misspelt(word, other) for other in left_out))
    if not core or not listed_core:
        return True
    letters = _letters_in_common(core, listed_core, CORE_LETTERS_WITH_SOUND)
    if letters >= CORE_LETTERS_IN_COMMON:
        return True
    return (
        letters >= CORE_LETTERS_WITH_SOUND
        and name_similarity(NormalizedName(core), NormalizedName(listed_core)) >= CORE_NAME_SCORE
    )


def _letters_in_common(words: tuple[str, ...], other: tuple[str, ...], at_least: float) -> float:
    """The share of letters two word sequences have in common, in either word order ("BANK TEJARAT"): exact from
    `at_least` up, below it only some lower value (all the caller asks)."""
    best = 0.0
    for joined, other_joined in (
        (" ".join(words), " ".join(other)),
        (" ".join(sorted(words)), " ".join(sorted(other))),
    ):
        # difflib's matching blocks are letters in common in order, never more than Indel's (in C) counts: a pair
        # below `at_least` by Indel is below it by difflib's ratio too and skips difflib.
        if Indel.normalized_similarity(joined, other_joined) >= at_least - _ROUNDING:
            best = max(best, SequenceMatcher(None, joined, other_joined).ratio())
    return best


def _without_particles(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word for word in tokens if word not in PARTICLES)


def _left_out_words(listed: str, listed_core: tuple[str, ...]) -> frozenset[str]:
    """The words of a listed name as written that its distinctive words leave out (legal forms, titles, generic)."""
    written = _WORD_RE.findall(listed.upper().replace(".", ""))
    return frozenset(written) - frozenset(listed_core)


def _misspelt(word: str, other: str) -> bool:
    """Whether `word` is `other` with one letter changed (short words) or spelt nearly alike (words of 4 letters)."""
    if word == other:
        return True
    if len(word) == len(other) and sum(a != b for a, b in zip(word, other, strict=True)) == 1:
        return True
    return _spelt_nearly_alike(word, other)


def _spelt_nearly_alike(word: str, other: str) -> bool:
    """A word of 4 letters or more spelt nearly alike another (difflib's ratio, behind a cheaper bound)."""
    # The share of letters in common in order (Indel, in C) bounds difflib's ratio from above: most words are far
    # from every generic word and skip difflib, which took half a millisecond for each new word of a party's name.
    return (
        len(word) >= 4
        and abs(len(word) - len(other)) <= 2
        and Indel.normalized_similarity(word, other) >= _GENERIC_SPELLING - _ROUNDING
        and SequenceMatcher(None, word, other).ratio() >= _GENERIC_SPELLING
    )


def _distinctive(name: str) -> tuple[str, ...]:
    return tuple(w for w in normalize_name(name).tokens if w not in PARTICLES and not _is_generic(w))


@lru_cache(maxsize=65_536)
def _is_generic(word: str) -> bool:
    if word in GENERIC_COMPANY_WORDS:
        return True
    return any(_spelt_nearly_alike(word, generic) for generic in GENERIC_COMPANY_WORDS)


def _possible(lists: ListState, selection: Selection, at: datetime, match: Match, what: str, subject_key: str) -> None:
    document = lists.entry(match.entry.entry_id)
    if document is None or not document.entry.in_force(at):
        return
    hold_for_review(selection, lists.dismissals, Stream.DECLARATION, document, match, subject_key, what)


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
