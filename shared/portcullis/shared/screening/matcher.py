"""The watchlist index: blocking on name tokens, rapidfuzz scoring, identifiers and corroborating facts."""

import math
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist, extract

from portcullis.shared.logging import get_logger
from portcullis.shared.screening.entries import SCHEMA_KINDS, Match, QuerySchema, ScreeningQuery, WatchlistEntry
from portcullis.shared.screening.equivalents import acronyms
from portcullis.shared.screening.identifiers import (
    normalize_container_number,
    normalize_document_number,
    normalize_imo_number,
)
from portcullis.shared.screening.normalize import (
    PARTICLES,
    NormalizedName,
    normalize_name,
    phonetic_key,
    spelling_key,
)
from portcullis.shared.screening.scoring import PairScorer, name_similarity

log = get_logger(__name__)

#: The default decision threshold, chosen on tests/data/name_pairs.csv (see docs/screening.md).
DEFAULT_MATCH_THRESHOLD = 0.85

_KIND_CODES = {"person": 0, "organization": 1, "vessel": 2, "aircraft": 3, "container": 4}
_DEAD = 255


def _kind_mask(kinds: Iterable[str]) -> np.ndarray:
    """A lookup table from slot kind code to whether a query searches it (removed slots never)."""
    mask = np.zeros(256, dtype=bool)
    mask[[_KIND_CODES[kind] for kind in kinds]] = True
    return mask


_ALL_KINDS = _kind_mask(_KIND_CODES)
_SCHEMA_MASKS = {schema: _kind_mask(kinds) for schema, kinds in SCHEMA_KINDS.items()}
# Above every slot: ends each posting's padded copy, so that a binary search never runs past the end.
_PAST_SLOTS = np.iinfo(np.intp).max
_NO_PRESCORES = np.empty(0, dtype=np.uint8)
# Indexed words of this many letters are found one edit away through their deletions (longer words keep a
# 4-letter prefix or suffix intact through one edit); at most this many words share one deletion.
_NEAR_MIN = 3
_NEAR_MAX = 7
_NEAR_PER_KEY = 16
#: The letter an Arabic or Persian waw is written with in one romanisation and not the other: W in English (`HAMAWI`,
#: `MARWAN`), V in Russian, Turkic and Persian ones (`ХАМАВИ` KHAMAVI, `MARVAN`). The sound key drops W (a glide, as
#: in `DAOUD` / `DAWUD`) and keeps V as F, so a query word with either is also looked up as written with the other.
_WAW_SWAP = str.maketrans({"V": "W", "W": "V"})
# Listed names kept as the scorer takes them (about 200 bytes each).
_LISTED_NAMES_KEPT = 8192
# Query words kept with their blocking keys and postings (a few hundred bytes each).
_WORD_KEYS_KEPT = 16384
#: The position `_query_keys` gives the key of a name's words in any order (`exact_key`): no word's.
_EXACT_POSITION = -1
#: Names of this many words or more are looked up by their initials too (`IRISL`).
_ACRONYM_WORDS = 3
#: Common words are intersected only while the smaller posting has at most this many slots.
_MAX_INTERSECTED = 20_000
# Candidates' tie-breakers, subtracted from their votes: a name's length in letters (at most 255), then its slot (in
# the order listed). Together below 3e-5 for a million slots, far below what one shared key's vote differs by.
_LENGTH_TIE = 1e-7
_SLOT_TIE = 1e-14
# Corroborating (+) and contradicting (-) evidence, added to the name score.
_DOB_EXACT_BONUS = 0.08
_DOB_YEAR_BONUS = 0.04
_DOB_CONFLICT_PENALTY = 0.15
_COUNTRY_BONUS = 0.03
_COUNTRY_CONFLICT_PENALTY = 0.05
_IDENTIFIER_CONFLICT_PENALTY = 0.3
# What corroborating facts can add at most, with room for rounding: a name scoring this far below the threshold
# is not weighed (its match could not reach the threshold).
_MOST_CORROBORATION = _DOB_EXACT_BONUS + _COUNTRY_BONUS + 0.01
# Candidates whose quick token-set score is this far below the threshold are not scored in full; the
# margin covers what corroborating facts can add and where the quick score underrates the full one.
_PRESCORE_MARGIN = 0.2


def _kind_mask_of(schema: str | None) -> np.ndarray:
    return _SCHEMA_MASKS.get(schema, _ALL_KINDS) if schema else _ALL_KINDS


@lru_cache(maxsize=16384)
def _keyed(name: NormalizedName) -> str:
    """The spelling keys of a name's words and an organisation's initials (`BIM`, pre-scored as a word), sorted."""
    return " ".join(sorted([*map(spelling_key, name.tokens), *acronyms(name)]))


@dataclass(slots=True)  # not frozen: a frozen dataclass is built field by field through object.__setattr__
class _Posting:
    """A key's slots as numpy takes them, sorted, with the weight of a vote the key casts (never changed)."""

    length: int
    # 1 / log2(2 + length): a shared rare key says more than a common one.
    weight: float
    slots: np.ndarray
    # The slots followed by one past every slot (`_PAST_SLOTS`): where a binary search lands is always an index.
    padded: np.ndarray


# A query word's blocking keys that the index holds, with their postings; and the key of listed names holding the word
# as two words run together (`ALIATWA` for `ALI ATWA`), if any, with its posting.
_WordKeys = tuple[tuple[tuple[str, _Posting], ...], tuple[str, _Posting] | None]


def _posting_length(found: tuple[int, int, _Posting]) -> int:
    return found[0]


def exact_key(name: NormalizedName) -> str:
    """The key of a name's words in any order: a listed name screened as written always finds itself, even when
    every word of it is common (`Muhammad AL-MUHAMMAD`, `Hassan el-Hajj HASSAN`: one common word twice, among
    thousands of names holding it) or a particle (`EP-IBN`)."""
    return "x" + " ".join(sorted(name.tokens))


def blocking_keys(name: NormalizedName) -> set[str]:
    """The inverted-index keys of a name: its words, their sound keys, 4-letter prefixes and suffixes, adjacent
    words run together (`ALI ATWA` is also found as `ALIATWA`), its numbers, an organisation's initials, and its
    words in any order (`exact_key`)."""
    words = [w for w in name.words if w not in PARTICLES] or list(name.tokens)
    keys: set[str] = set()
    for word in words:
        keys.add("w" + word)
        keys.add("p" + phonetic_key(word))
        if len(word) >= 5:
            keys.add("f" + word[:4])
            keys.add("s" + word[-4:])
    tokens = name.words
    for first, second in pairwise(tokens):
        keys.add("j" + first + second)
    for number in name.numbers:
        keys.add("n" + number)
    # An organisation's initials are a word it may be screened as (`BIM`): keys of their own, so that they do not
    # crowd the words' postings.
    keys.update("a" + initials for initials in acronyms(name))
    keys.add(exact_key(name))
    return keys


def _deletions(word: str) -> set[str]:
    """The word and every string one letter shorter: two words one edit apart share one of them."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


class WatchlistIndex:
    """Screen names and identifiers against watchlist entries; cheap to update one entry at a time."""

    def __init__(
        self,
        match_threshold: float = DEFAULT_MATCH_THRESHOLD,
        max_candidates: int = 32,
        posting_budget: int = 500,
        max_rescored: int = 4,
        result_cache_size: int = 4096,
        pair_scorer: PairScorer = name_similarity,
    ) -> None:
        self.match_threshold = match_threshold
        self._pair_scorer = pair_scorer
        self.version = 0
        self._result_cache_size = result_cache_size
        # Recent results by (normalised query, limit, threshold); emptied whenever the index changes.
        self._results: OrderedDict[Hashable, tuple[Match, ...]] = OrderedDict()
        self._max_candidates = max_candidates
        self._posting_budget = posting_budget
        self._max_rescored = max_rescored
        self._entries: dict[str, WatchlistEntry] = {}
        self._entry_slots: dict[str, tuple[int, ...]] = {}
        # One slot per (entry, distinct normalised name); slots of removed entries are dead until compaction.
        self._slot_entry: list[str] = []
        self._slot_name: list[str] = []
        # Names in word order as one string: a few times smaller than their token tuples, split when scored.
        self._slot_ordered: list[str] = []
        # Each name's words as spelling keys, sorted (`BUT FIKTOR` for `VIKTOR BOUT`): what is pre-scored.
        self._slot_keyed: list[str] = []
        self._slot_kind = bytearray()
        # Each name's length in letters (at most 255): among candidates with equal votes the shorter names go first.
        self._slot_length = bytearray()
        # The words normalisation removed from listed names (legal forms, titles), by name in word order: the
        # scorer does not hold them against a match when a query writes them so that they are kept. Pruned only
        # when the index compacts itself.
        self._removed_words: dict[str, tuple[str, ...]] = {}
        # Listed names as the scorer takes them, for those scored lately (emptied when full, and on any change).
        self._listed_names: dict[str, NormalizedName] = {}
        self._dead_slots = 0
        # A key's slots: one slot as a plain int (most keys), more in an array. Neither ints nor tuples of strings
        # are tracked by the garbage collector, whose full collections pass over every tracked object the index holds.
        self._postings: dict[str, int | array[int]] = {}
        # Short indexed words by their one-letter deletions (`TAJCO` under `TAJO`, `TACO` ...): a query word the
        # index does not hold finds the indexed words one edit away through it, where prefixes and suffixes of
        # four letters do not survive the edit. Words are never removed: a stale one only costs a lookup.
        self._near_words: dict[str, tuple[str, ...]] = {}
        # Read-only numpy copies of the postings and slot kinds, rebuilt lazily after a change.
        self._posting_arrays: dict[str, _Posting] = {}
        # A query word's blocking keys with their postings, for this version of the index (`_word_keys`).
        self._word_keys_kept: OrderedDict[str, _WordKeys] = OrderedDict()
        self._kind_codes: np.ndarray | None = None
        # Per kind mask (by identity, with the slot kinds it was taken from): the slots a query with it searches.
        self._searched: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._tie_breakers: np.ndarray | None = None
        self._by_imo: dict[str, set[str]] = {}
        self._by_container: dict[str, set[str]] = {}
        self._by_document: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> WatchlistEntry | None:
        """The entry with this id, if indexed."""
        return self._entries.get(entry_id)

    @property
    def name_count(self) -> int:
        """How many distinct (entry, name) pairs are searchable."""
        return len(self._slot_entry) - self._dead_slots

    def upsert(self, entry: WatchlistEntry) -> None:
        """Add an entry, or replace the entry with the same id."""
        self._remove(entry.entry_id)
        self._add(entry)
        self._changed()

    def extend(self, entries: Iterable[WatchlistEntry]) -> None:
        """Upsert many entries (one version step)."""
        for entry in entries:
            self._remove(entry.entry_id)
            self._add(entry)
        self._changed()

    def remove(self, entry_id: str) -> bool:
        """Remove an entry; whether it was there."""
        removed = self._remove(entry_id)
        self._changed()
        if self._dead_slots > max(1024, len(self._slot_entry) // 4):
            self._compact()
        return removed

    def _changed(self) -> None:
        """A new version: results screened against the old one may be wrong now."""
        self.version += 1
        self._results.clear()
        self._listed_names.clear()
        self._word_keys_kept.clear()

    def _add(self, entry: WatchlistEntry) -> None:
        entry_id = entry.entry_id
        self._entries[entry_id] = entry
        slots: list[int] = []
        seen: set[tuple[str, ...]] = set()
        kind = _KIND_CODES[entry.kind]
        for display in entry.names:
            normalized = normalize_name(display)
            if not normalized.tokens or normalized.tokens in seen:
                continue
            seen.add(normalized.tokens)
            slot = len(self._slot_entry)
            slots.append(slot)
            self._slot_entry.append(entry_id)
            self._slot_name.append(display)
            self._slot_ordered.append(normalized.ordered)
            if normalized.removed:
                known = self._removed_words.get(normalized.ordered, ())
                self._removed_words[normalized.ordered] = known + tuple(w for w in normalized.removed if w not in known)
            self._slot_keyed.append(_keyed(normalized))
            self._slot_kind.append(kind)
            self._slot_length.append(min(len(normalized.ordered), 255))
            for key in blocking_keys(normalized):
                self._posting_arrays.pop(key, None)
                posting = self._postings.get(key)
                if posting is None:
                    self._postings[key] = slot
                    if key[0] == "w" and _NEAR_MIN <= len(key) - 1 <= _NEAR_MAX:
                        self._add_near_word(key[1:])
                elif isinstance(posting, int):
                    self._postings[key] = array("i", (posting, slot))
                else:
                    posting.append(slot)
        self._entry_slots[entry_id] = tuple(slots)
        if entry.imo_number:
            self._by_imo.setdefault(entry.imo_number, set()).add(entry_id)
        if entry.container_number:
            self._by_container.setdefault(entry.container_number, set()).add(entry_id)
        for document in entry.documents:
            number = normalize_document_number(document.number)
            if number:
                self._by_document.setdefault(number, set()).add(entry_id)

    def _remove(self, entry_id: str) -> bool:
        entry = self._entries.pop(entry_id, None)
        if entry is None:
            return False
        for slot in self._entry_slots.pop(entry_id):
            self._slot_kind[slot] = _DEAD
            self._kind_codes = None
            self._dead_slots += 1
        if entry.imo_number:
            self._discard(self._by_imo, entry.imo_number, entry_id)
        if entry.container_number:
            self._discard(self._by_container, entry.container_number, entry_id)
        for document in entry.documents:
            self._discard(self._by_document, normalize_document_number(document.number), entry_id)
        return True

    @staticmethod
    def _discard(table: dict[str, set[str]], key: str, entry_id: str) -> None:
        ids = table.get(key)
        if ids is not None:
            ids.discard(entry_id)
            if not ids:
                del table[key]

    def _compact(self) -> None:
        """Rebuild the name slots without the dead ones (amortised: runs after many removals)."""
        entries = list(self._entries.values())
        dead = self._dead_slots
        self._entries.clear()
        self._entry_slots.clear()
        self._slot_entry, self._slot_name, self._slot_ordered, self._slot_keyed = [], [], [], []
        self._slot_kind = bytearray()
        self._slot_length = bytearray()
        self._removed_words.clear()
        self._dead_slots = 0
        self._postings.clear()
        self._near_words.clear()
        self._posting_arrays.clear()
        self._word_keys_kept.clear()
        self._kind_codes = None
        self._searched.clear()
        self._tie_breakers = None
        self._by_imo.clear()
        self._by_container.clear()
        self._by_document.clear()
        for entry in entries:
            self._add(entry)
        log.info("watchlist_index_compacted", dead_slots=dead, entries=len(entries))

    def _add_near_word(self, word: str) -> None:
        for deletion in _deletions(word):
            near = self._near_words.get(deletion)
            if near is None:
                self._near_words[deletion] = (word,)
            elif len(near) < _NEAR_PER_KEY:
                self._near_words[deletion] = (*near, word)

    def _near(self, word: str) -> list[str]:
        """Indexed words one edit (insertion, deletion, substitution, transposition) from a word it does not hold."""
        lookup = self._near_words.get
        found: list[str] = []
        near = lookup(word)
        if near is not None:
            found.extend(near)
        for i in range(len(word)):
            near = lookup(word[:i] + word[i + 1 :])
            if near is not None:
                found.extend(near)
        return found

    def _posting_array(self, key: str) -> _Posting | None:
        """A key's slots as numpy arrays with its vote's weight (built on first use after a change), or None if it
        has none."""
        frozen = self._posting_arrays.get(key)
        if frozen is not None:
            return frozen
        posting = self._postings.get(key)
        if posting is None:
            return None
        if isinstance(posting, int):
            length = 1
            padded = np.array((posting, _PAST_SLOTS), dtype=np.intp)
        else:
            length = len(posting)
            padded = np.empty(length + 1, dtype=np.intp)
            padded[:length] = posting  # copied through the buffer protocol, not slot by slot
            padded[length] = _PAST_SLOTS
        frozen = _Posting(length, 1.0 / math.log2(2 + length), padded[:length], padded)
        self._posting_arrays[key] = frozen
        return frozen

    def _word_keys(self, word: str) -> _WordKeys:
        """A query word's own blocking keys that the index holds, in the order they are tried, with their postings,
        and its key as listed words run together. Prefix keys and words one edit away only for a word not indexed as
        such; kept for this version of the index (a name's words recur from query to query)."""
        cached = self._word_keys_kept.get(word)
        if cached is not None:
            return cached
        postings = self._postings
        word_key = "w" + word
        keys = [word_key, "p" + phonetic_key(word)]
        if "V" in word or "W" in word:
            keys.append("p" + phonetic_key(word.translate(_WAW_SWAP)))
        # A word the index knows needs no prefix or suffix key; a mistyped one does (`ZAWAHRI`).
        if word_key not in postings:
            if "a" + word in postings:  # initials of a listed organisation (`BIM`)
                keys.append("a" + word)
            if len(word) >= 5:
                keys.append("f" + word[:4])
                keys.append("s" + word[-4:])
            if _NEAR_MIN <= len(word) <= _NEAR_MAX + 1:
                keys.extend("w" + near for near in self._near(word))
        found: dict[str, _Posting] = {}
        for key in keys:
            if key not in found:
                posting = self._posting_array(key)
                if posting is not None:
                    found[key] = posting
        if len(self._word_keys_kept) >= _WORD_KEYS_KEPT:
            # The oldest word goes: emptying the whole table at once would stall one screening for a millisecond.
            self._word_keys_kept.popitem(last=False)
        joined_key = "j" + word
        joined = self._posting_array(joined_key)
        kept = self._word_keys_kept[word] = (tuple(found.items()), None if joined is None else (joined_key, joined))
        return kept

    def _query_keys(self, name: NormalizedName) -> tuple[dict[str, tuple[int, int, _Posting]], bool]:
        """Blocking keys of a query that the index holds, with their posting's length, the word each comes from and
        the posting, and whether words run together or split apart matched (then the names are pre-scored without
        spaces too)."""
        words = [w for w in name.words if w not in PARTICLES] or list(name.tokens)
        postings = self._postings
        keys: dict[str, tuple[int, int, _Posting]] = {}
        joined_words: list[tuple[str, int, _Posting]] = []
        for position, word in enumerate(words):
            word_keys, joined_word = self._word_keys(word)
            for key, posting in word_keys:
                if key not in keys:
                    keys[key] = (posting.length, position, posting)
            if joined_word is not None:
                joined_words.append((joined_word[0], position, joined_word[1]))
        extra: list[tuple[str, int]] = []
        # A name spelled out finds the organisation listed by its initials (`IRISL`); the scorer decides.
        if len(words) >= _ACRONYM_WORDS:
            initials = "w" + "".join(word[0] for word in words)
            if initials in postings:
                extra.append((initials, len(words) + len(name.numbers)))
        # The name's words in any order: the listed names written so are candidates, whatever their words.
        extra.append((exact_key(name), _EXACT_POSITION))
        # Numbers tell apart names of common words (`STAR 18` among the `... STAR` vessels).
        if name.numbers:
            extra.extend(("n" + number, position) for position, number in enumerate(name.numbers, start=len(words)))
        # `ALIK HANI` finds `ALIKHANI`; the index holds `ALI ATWA` as `ALIATWA` too, for the query `ALIATWA`.
        spaced = False
        tokens = name.words
        for position, (first, second) in enumerate(pairwise(tokens)):
            joined = "w" + first + second
            if joined in postings:
                extra.append((joined, position))
                spaced = True
        for key, position in extra:
            if key not in keys:
                found = self._posting_array(key)
                if found is not None:
                    keys[key] = (found.length, position, found)
        # Then each word as listed words run together (looked up with the word's own keys).
        for key, position, posting in joined_words:
            spaced = True
            if key not in keys:
                keys[key] = (posting.length, position, posting)
        return keys, spaced

    def _candidates(self, name: NormalizedName, kind_mask: np.ndarray) -> tuple[list[int], bool]:
        """Slots sharing the most (rarest first) blocking keys with the name, at most `max_candidates`, in slot order;
        and whether words run together or split apart matched."""
        query_keys, spaced = self._query_keys(name)
        if not query_keys:
            return [], spaced
        found = sorted(query_keys.values(), key=_posting_length)
        # The rarest keys' postings are taken whole until the budget is spent, so that a very common key
        # ("MOHAMMAD") never drags in thousands of slots; each taken slot gets a vote per key it shares, and a
        # shared rare key says more than a common one: votes weigh 1 / log2(2 + posting length).
        pieces: list[np.ndarray] = []
        weights: list[float] = []
        overflow: list[tuple[int, _Posting]] = []
        whole_words: set[int] = set()
        budget = self._posting_budget
        for length, word, posting in found:
            if length <= budget:
                pieces.append(posting.slots)
                weights.append(posting.weight)
                if word != _EXACT_POSITION:  # the other names holding common words are still looked for
                    whole_words.add(word)
                budget -= length
            else:
                if budget > 0:
                    pieces.append(posting.slots[:budget])
                    weights.append(0.0)  # its votes come from the membership test below, for every slot
                    budget = 0
                overflow.append((word, posting))
        if overflow and not whole_words:
            # Every word is common (`MUHAMMAD ALI`): the names holding two of them are the ones to look at.
            common = self._common_to_two_words(overflow)
            if common is not None:
                pieces.append(common)
                weights.append(0.0)
        searched = self._searched_slots(kind_mask) if kind_mask is not _ALL_KINDS or self._dead_slots else None
        common_keys = [(posting.padded, posting.weight) for _, posting in overflow]
        slots = _most_voted(pieces, weights, searched, common_keys, self._tie_breaker_array(), self._max_candidates)
        return slots, spaced

    def _tie_breaker_array(self) -> np.ndarray:
        """Per slot, what is subtracted from a candidate's votes to order equal votes: the shorter names first, then
        the first listed.

        `argpartition` alone leaves the choice among tied votes, and the order of what it returns, to numpy's selection
        algorithm, which differs with the processor's instruction set (AVX-512 or AVX2): the same query reached other
        candidates on another machine. A tie-breaker far below any vote's difference makes every vote distinct.
        """
        if self._tie_breakers is None or len(self._tie_breakers) != len(self._slot_length):
            lengths = np.frombuffer(bytes(self._slot_length), dtype=np.uint8)
            self._tie_breakers = lengths * _LENGTH_TIE + np.arange(len(lengths)) * _SLOT_TIE
        return self._tie_breakers

    def _common_to_two_words(self, overflow: list[tuple[int, _Posting]]) -> np.ndarray | None:
        """Slots in the postings of two different common words of the query (`ALI IBRAHIM`), or None."""
        first_word, smaller = overflow[0]
        larger = next((posting for word, posting in overflow if word != first_word), None)
        if larger is None or smaller.length > _MAX_INTERSECTED:
            return None
        padded = larger.padded
        common: np.ndarray = smaller.slots[padded[padded.searchsorted(smaller.slots)] == smaller.slots]
        return common[: self._posting_budget] if len(common) else None

    def _kind_array(self) -> np.ndarray:
        if self._kind_codes is None or len(self._kind_codes) != len(self._slot_kind):
            self._kind_codes = np.frombuffer(bytes(self._slot_kind), dtype=np.uint8)
        return self._kind_codes

    def _searched_slots(self, kind_mask: np.ndarray) -> np.ndarray:
        """Whether a query with this kind mask searches each slot (one lookup a candidate instead of two), kept for
        each mask until a slot is added or removed."""
        kind_codes = self._kind_array()
        kept = self._searched.get(id(kind_mask))
        if kept is not None and kept[0] is kind_codes and kept[1] is kind_mask:
            return kept[2]
        searched: np.ndarray = kind_mask[kind_codes]
        self._searched[id(kind_mask)] = (kind_codes, kind_mask, searched)
        return searched

    def screen(self, query: ScreeningQuery, limit: int = 10, threshold: float | None = None) -> list[Match]:
        """Entries matching the query, best first, with a score in 0..1 of at least `threshold`."""
        cutoff = self.match_threshold if threshold is None else threshold
        name = normalize_name(query.name)
        if not self._result_cache_size:
            return self._screen(query, name, limit, cutoff)
        return list(self._screen_cached(query, name, self._cache_key(query, name, limit, cutoff), limit, cutoff))

    def screen_many(
        self, queries: Iterable[ScreeningQuery], limit: int = 10, threshold: float | None = None
    ) -> list[list[Match]]:
        """`screen` for each query of a batch (say a consumer batch), in order; repeated queries are screened once."""
        cutoff = self.match_threshold if threshold is None else threshold
        batch: dict[Hashable, tuple[Match, ...]] = {}
        results = []
        for query in queries:
            name = normalize_name(query.name)
            key = self._cache_key(query, name, limit, cutoff)
            matches = batch.get(key)
            if matches is None:
                matches = batch[key] = self._screen_cached(query, name, key, limit, cutoff)
            results.append(list(matches))
        return results

    def lists_identifier(
        self, imo: str | None = None, container_number: str | None = None, document_number: str | None = None
    ) -> bool:
        """Whether an entry carries one of these identifiers, compared as `screen` compares them: when none does, a
        query of identifiers alone matches nothing, and a caller screening many of them can skip the query."""
        return bool(
            (imo and normalize_imo_number(imo) in self._by_imo)
            or (container_number and normalize_container_number(container_number) in self._by_container)
            or (document_number and normalize_document_number(document_number) in self._by_document)
        )

    def name_scores(self, name: str, schema: QuerySchema | None = None, threshold: float | None = None) -> "NameScores":
        """What the name alone scores against the entries its candidates reach, before corroborating facts: with
        `weigh`, the matches of that name queried with any country, the name screened once for all of them."""
        cutoff = self.match_threshold if threshold is None else threshold
        normalized = normalize_name(name)
        found: dict[str, tuple[float, str, list[str]]] = {}
        if normalized.tokens:
            self._screen_name(None, normalized, _kind_mask_of(schema), cutoff, found)
        scored = tuple((entry_id, score, matched) for entry_id, (score, matched, _) in found.items())
        return NameScores(self.version, cutoff, scored)

    def name_scores_many(
        self, names: Sequence[str], schema: QuerySchema | None = None, threshold: float | None = None
    ) -> list["NameScores"]:
        """`name_scores` of each name, in order: the names' candidates are found first and pre-scored together, in
        one C call for the whole batch instead of one a name."""
        cutoff = self.match_threshold if threshold is None else threshold
        kind_mask = _kind_mask_of(schema)
        floor = max(0.0, cutoff - _PRESCORE_MARGIN) * 100
        normalized = [normalize_name(name) for name in names]
        shortlists: list[tuple[NormalizedName, list[int], list[str], bool]] = []
        queries: list[str] = []
        choices_all: list[str] = []
        unspaced_queries: list[str] = []
        unspaced_choices: list[str] = []
        for name in normalized:
            if not name.tokens:
                shortlists.append((name, [], [], False))
                continue
            slots, spaced = self._candidates(name, kind_mask)
            choices = list(map(self._slot_keyed.__getitem__, slots))
            shortlists.append((name, slots, choices, spaced))
            queries.extend([_keyed(name)] * len(slots))
            choices_all.extend(choices)
            if spaced and slots:
                unspaced_queries.extend([name.ordered.replace(" ", "")] * len(slots))
                unspaced_choices.extend(self._slot_ordered[slot].replace(" ", "") for slot in slots)
        pre_all = _pair_prescores(queries, choices_all, fuzz.token_set_ratio, floor)
        unspaced_all = _pair_prescores(unspaced_queries, unspaced_choices, fuzz.ratio, floor)
        results = []
        at = unspaced_at = 0
        for name, slots, choices, spaced in shortlists:
            found: dict[str, tuple[float, str, list[str]]] = {}
            if slots:
                pre = pre_all[at : at + len(slots)]
                at += len(slots)
                if spaced:
                    np.maximum(pre, unspaced_all[unspaced_at : unspaced_at + len(slots)], out=pre)
                    unspaced_at += len(slots)
                positions = self._rescored_positions(name, slots, choices, _passing(pre))
                self._score_positions(None, name, slots, positions, choices, cutoff, found)
            scored = tuple((entry_id, score, matched) for entry_id, (score, matched, _) in found.items())
            results.append(NameScores(self.version, cutoff, scored))
        return results

    def weigh(self, scores: "NameScores", country: str | None = None, limit: int = 10) -> list[Match]:
        """The matches `screen(ScreeningQuery(name=name, schema=schema, country=country), limit, threshold)` gives,
        from `name_scores(name, schema, threshold)` taken of this version of the index."""
        if scores.version != self.version:
            raise ValueError("the name was scored against another version of the index")
        query = ScreeningQuery(country=country)
        # Below this even every corroborating fact together leaves a name short of the threshold.
        hopeless = scores.cutoff - _MOST_CORROBORATION
        matches = []
        for entry_id, name_score, matched in scores.scored:
            if name_score < hopeless:
                continue
            entry = self._entries[entry_id]
            score, evidence = _weigh_evidence(entry, query, name_score)
            if score >= scores.cutoff:
                matches.append(
                    Match.model_construct(entry=entry, matched_name=matched, score=round(score, 4), evidence=evidence)
                )
        matches.sort(key=_match_order)
        return matches[:limit]

    def _cache_key(self, query: ScreeningQuery, name: NormalizedName, limit: int, cutoff: float) -> Hashable:
        """The result cache's key of a query: identifiers no entry carries share one (see `_identifier_key`)."""
        identifiers = (
            _identifier_key(normalize_imo_number(query.imo), self._by_imo) if query.imo else None,
            _identifier_key(normalize_container_number(query.container_number), self._by_container)
            if query.container_number
            else None,
            _identifier_key(normalize_document_number(query.document_number), self._by_document)
            if query.document_number
            else None,
        )
        return _cache_key(query, name, limit, cutoff, identifiers)

    def _screen_cached(
        self, query: ScreeningQuery, name: NormalizedName, key: Hashable, limit: int, cutoff: float
    ) -> tuple[Match, ...]:
        if not self._result_cache_size:
            return tuple(self._screen(query, name, limit, cutoff))
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            return cached
        matches = self._results[key] = tuple(self._screen(query, name, limit, cutoff))
        if len(self._results) > self._result_cache_size:
            self._results.popitem(last=False)
        return matches

    def _screen(self, query: ScreeningQuery, name: NormalizedName, limit: int, cutoff: float) -> list[Match]:
        found: dict[str, tuple[float, str, list[str]]] = {}
        if query.imo or query.container_number or query.document_number:
            self._screen_identifiers(query, found)
        if name.tokens:
            self._screen_name(query, name, _kind_mask_of(query.schema), cutoff, found)
        if not found:
            return []
        # Built without validation: every field comes from the index or is clamped to 0..1 above.
        matches = [
            Match.model_construct(
                entry=self._entries[entry_id], matched_name=matched, score=round(score, 4), evidence=evidence
            )
            for entry_id, (score, matched, evidence) in found.items()
            if score >= cutoff
        ]
        matches.sort(key=_match_order)
        return matches[:limit]

    def _screen_identifiers(self, query: ScreeningQuery, found: dict[str, tuple[float, str, list[str]]]) -> None:
        lookups = (
            (query.imo, normalize_imo_number, self._by_imo, "IMO number matches"),
            (query.container_number, normalize_container_number, self._by_container, "container number matches"),
            (query.document_number, normalize_document_number, self._by_document, "document number matches"),
        )
        for value, normalizer, table, reason in lookups:
            if not value:
                continue
            for entry_id in table.get(normalizer(value), ()):
                previous = found.get(entry_id)
                evidence = [*previous[2], reason] if previous else [reason]
                found[entry_id] = (1.0, self._entries[entry_id].name, evidence)

    def shortlist(self, query: ScreeningQuery, threshold: float | None = None) -> tuple[set[str], set[str]]:
        """Entries among the blocking candidates of the query's name, and those that reach the full scorer."""
        cutoff = self.match_threshold if threshold is None else threshold
        name = normalize_name(query.name)
        if not name.tokens:
            return set(), set()
        slots, positions, _ = self._shortlist(name, _kind_mask_of(query.schema), cutoff)
        blocked = {self._slot_entry[slot] for slot in slots}
        return blocked, {self._slot_entry[slots[position]] for position in positions}

    def _shortlist(
        self, name: NormalizedName, kind_mask: np.ndarray, cutoff: float
    ) -> tuple[list[int], list[int], list[str]]:
        """Candidate slots, the positions among them that get the full scorer, and their sorted names."""
        slots, spaced = self._candidates(name, kind_mask)
        if not slots:
            return slots, [], []
        # A cheap C-implemented pre-score over all candidates; the full scorer runs on the best few only. It compares
        # spelling keys: letter by letter, a transliteration (`DZHORGE` / `JORGE`) or another spelling next to a
        # word the query lacks (`VICTOR BOUT` / `VIKTOR ANATOLIJEVITCH BOUT`) is too far from the listed name.
        keyed = self._slot_keyed
        choices = [keyed[slot] for slot in slots]
        floor = max(0.0, cutoff - _PRESCORE_MARGIN) * 100
        pre = _prescores(_keyed(name), choices, fuzz.token_set_ratio, floor)
        if spaced:
            pre = _higher_of(pre, self._unspaced_prescores(name, slots, floor))
        return slots, self._rescored_positions(name, slots, choices, pre), choices

    def _rescored_positions(
        self, name: NormalizedName, slots: list[int], choices: list[str], pre: dict[int, int]
    ) -> list[int]:
        """The positions among the pre-scored candidates (those with a pre-score, in order) that get the full
        scorer."""
        positions = list(pre)
        if len(positions) > self._max_rescored:
            # Token-set scores tie at 100 for every name containing the query; whole-name similarity breaks the
            # tie (`AST` before `AST GROUP HOLDING`), in word order and sorted, both counted: sorting moves a
            # mistyped word (`KANSU` / `QANSU`), and shorter or longer names that share the query's words
            # (`MOHAMED IBRAHIM AKIL` for `MOHAMMED IBRAHIM`) must not crowd out the listed name.
            query_sorted = _keyed(name)
            query_ordered = name.ordered
            slot_ordered = self._slot_ordered
            rank = {
                i: score + fuzz.ratio(query_sorted, choices[i]) + fuzz.ratio(query_ordered, slot_ordered[slots[i]])
                for i, score in pre.items()
            }
            # The best few distinct names go to the full scorer, with every slot that holds one of them: a name
            # listed by many entries (`BANK MELLI IRAN` and its branches) takes one place, not all of them.
            kept_names: set[str] = set()
            kept: list[int] = []
            for position in sorted(positions, key=rank.__getitem__, reverse=True):
                choice = choices[position]
                if choice not in kept_names:
                    if len(kept_names) == self._max_rescored:
                        continue
                    kept_names.add(choice)
                kept.append(position)
            positions = kept
        return positions

    def _listed_name(self, ordered: str) -> NormalizedName:
        """A listed name as the scorer takes it, kept for the names scored most recently (split and built once)."""
        listed = self._listed_names.get(ordered)
        if listed is None:
            if len(self._listed_names) >= _LISTED_NAMES_KEPT:
                self._listed_names.clear()
            listed = NormalizedName(tuple(ordered.split()), removed=self._removed_words.get(ordered, ()))
            self._listed_names[ordered] = listed
        return listed

    def _unspaced_prescores(self, name: NormalizedName, slots: list[int], floor: float) -> dict[int, int]:
        """Pre-scores of candidates on names without spaces, in word order (`NASERMALEKI` / `NASER MALEKI`)."""
        joined = [self._slot_ordered[slot].replace(" ", "") for slot in slots]
        return _prescores(name.ordered.replace(" ", ""), joined, fuzz.ratio, floor)

    def _screen_name(
        self,
        query: ScreeningQuery | None,
        name: NormalizedName,
        kind_mask: np.ndarray,
        cutoff: float,
        found: dict[str, tuple[float, str, list[str]]],
    ) -> None:
        slots, positions, choices = self._shortlist(name, kind_mask, cutoff)
        self._score_positions(query, name, slots, positions, choices, cutoff, found)

    def _score_positions(
        self,
        query: ScreeningQuery | None,
        name: NormalizedName,
        slots: list[int],
        positions: list[int],
        choices: list[str],
        cutoff: float,
        found: dict[str, tuple[float, str, list[str]]],
    ) -> None:
        """Score the shortlisted candidates in full and add them to `found` (weighed with the query's facts)."""
        if not positions:
            return
        query_keyed = _keyed(name)
        rescored: dict[str, tuple[float, int]] = {}
        scores: dict[str, float] = {}
        for position in positions:
            slot = slots[position]
            entry_id = self._slot_entry[slot]
            ordered = self._slot_ordered[slot]
            # The same words in any order score 1 without the full comparison; a name is scored once.
            if choices[position] == query_keyed and sorted(ordered.split()) == sorted(name.tokens):
                score = 1.0
            else:
                known = scores.get(ordered)
                if known is None:
                    known = scores[ordered] = self._pair_scorer(name, self._listed_name(ordered))
                score = known
            best = rescored.get(entry_id)
            if best is None or score > best[0]:
                rescored[entry_id] = (score, slot)
        if query is None:  # the name alone: its scores, no evidence to weigh
            for entry_id, (name_score, slot) in rescored.items():
                found[entry_id] = (min(max(name_score, 0.0), 1.0), self._slot_name[slot], [])
            return
        # Below this even every corroborating fact together leaves a name short of the threshold.
        hopeless = cutoff - _MOST_CORROBORATION
        for entry_id, (name_score, slot) in rescored.items():
            previous = found.get(entry_id)
            if previous is None and name_score < hopeless:
                continue
            score, evidence = _weigh_evidence(self._entries[entry_id], query, name_score)
            if previous is not None:
                # An identifier already decided; keep its score and add what the name says.
                found[entry_id] = (previous[0], self._slot_name[slot], [*evidence, *previous[2]])
            else:
                found[entry_id] = (score, self._slot_name[slot], evidence)


def _most_voted_numpy(
    pieces: list[np.ndarray],
    weights: list[float],
    searched: np.ndarray | None,
    common_keys: list[tuple[np.ndarray, float]],
    tie_breakers: np.ndarray,
    max_candidates: int,
) -> list[int]:
    """The candidate vote in numpy, where the kernel `_votes.most_voted` (its docstring says what) is not built from
    its current source or compiled code is not wanted: the same slots, from some twenty numpy calls."""
    order: np.ndarray | None = None
    if len(pieces) == 1:
        slots: np.ndarray = pieces[0]
    else:
        merged = np.concatenate(pieces)
        # The pieces are sorted runs: a stable sort (timsort) merges them in about half the time.
        order = merged.argsort(kind="stable")
        merged = merged[order]
        first = np.empty(len(merged), dtype=bool)
        first[0] = True
        np.not_equal(merged[1:], merged[:-1], out=first[1:])
        starts = first.nonzero()[0]
        slots = merged[starts]
    keep: np.ndarray | None = None
    if searched is not None:
        keep = searched[slots]
        slots = slots[keep]
    if len(slots) <= max_candidates:
        listed: list[int] = slots.tolist()
        return listed
    if order is None:
        votes = np.full(len(slots), weights[0])
    else:
        lengths = [len(piece) for piece in pieces]
        votes = np.add.reduceat(np.array(weights).repeat(lengths)[order], starts)
        if keep is not None:
            votes = votes[keep]
    for padded, weight in common_keys:
        # Postings are sorted (slots are numbered in insertion order): membership by binary search.
        np.add(votes, weight, out=votes, where=padded[padded.searchsorted(slots)] == slots)
    # Tie-breakers less votes: the lowest are the most voted, each value distinct.
    ranked = tie_breakers[slots]
    np.subtract(ranked, votes, out=ranked)
    chosen: np.ndarray = ranked.argpartition(max_candidates)[:max_candidates]
    chosen.sort()
    most: list[int] = slots[chosen].tolist()
    return most


#: The candidate vote: in C (`_votes.pyx`, compiled with Cython beside the mypyc core by `portcullis.shared.compiled`
#: and stamped with it), or in numpy where that is refused on import (built from another source, or compiled code
#: not wanted). The same slots either way (tests/unit/screening/test_screening_votes.py).
_MostVoted = Callable[
    [list[np.ndarray], list[float], np.ndarray | None, list[tuple[np.ndarray, float]], np.ndarray, int], list[int]
]
_most_voted: _MostVoted
try:
    from portcullis.shared.screening._votes import most_voted as _compiled_most_voted

    _most_voted = _compiled_most_voted
except ImportError:
    _most_voted = _most_voted_numpy


def _prescores(query: str, choices: list[str], scorer: Callable[..., float], floor: float) -> dict[int, int]:
    """The positions of the choices whose score against the query reaches `floor`, in order, with that score rounded
    half up as `cdist(..., dtype=np.uint8)` rounds it: one C call that returns only those (no array to search).

    `extract`, not `extract_iter`: the generator of `extract_iter` leaves about nine objects in reference cycles
    behind on every call (rapidfuzz 3.14's closures), garbage that only the cyclic collector frees, and each
    screening then pays for its collections."""
    passing: list[tuple[str, float, int]] = extract(query, choices, scorer=scorer, score_cutoff=floor, limit=None)
    found: dict[int, int] = {}
    for _, score, position in sorted(passing, key=_position):
        rounded = int(score + 0.5)
        if rounded:  # a floor of 0 lets every choice through; a score that rounds to 0 was never a pre-score
            found[position] = rounded
    return found


def _position(passing: tuple[str, float, int]) -> int:
    return passing[2]


def _higher_of(first: dict[int, int], second: dict[int, int]) -> dict[int, int]:
    """Each position's higher pre-score of two, positions in order."""
    if not second:
        return first
    merged = dict(first)
    for position, score in second.items():
        if score > merged.get(position, 0):
            merged[position] = score
    return dict(sorted(merged.items()))


def _passing(pre: np.ndarray) -> dict[int, int]:
    """The positions with a pre-score among a name's pre-scores from `cpdist`, in order, with that pre-score."""
    scores: list[int] = pre.tolist()
    return {position: score for position, score in enumerate(scores) if score}


def _pair_prescores(queries: list[str], choices: list[str], scorer: Callable[..., float], floor: float) -> np.ndarray:
    """Each query's pre-score against the choice beside it (0 below `floor`), as `cdist` gives them one query a call."""
    if not queries:
        return _NO_PRESCORES
    result: np.ndarray = cpdist(queries, choices, scorer=scorer, dtype=np.uint8, score_cutoff=floor)
    return result


def _match_order(match: Match) -> tuple[float, str]:
    return -match.score, match.entry.entry_id


def _cache_key(
    query: ScreeningQuery, name: NormalizedName, limit: int, cutoff: float, identifiers: tuple[Hashable, ...]
) -> Hashable:
    """What a screening's result depends on besides the index: the name as normalised, not as written."""
    country = query.country.upper() if query.country else None
    return (name.tokens, query.schema, query.dob, country, identifiers, limit, cutoff)


def _identifier_key(normalized: str, table: dict[str, set[str]]) -> str | bool:
    """An identifier as a screening's result depends on it: the identifier when an entry carries it; True for every
    one that none does, as they all find nothing and differ from every listed one alike (the vessels' names recur, their
    IMO numbers hardly; each passenger's document is another)."""
    return normalized if normalized in table else True


def _weigh_evidence(entry: WatchlistEntry, query: ScreeningQuery, name_score: float) -> tuple[float, list[str]]:
    """Raise or lower a name score with date of birth, nationality and identifiers."""
    evidence = [f"name similarity {name_score:.2f}"]
    score = name_score
    if query.dob is not None and (entry.birth_dates or entry.birth_years):
        if query.dob in entry.birth_dates:
            score += _DOB_EXACT_BONUS
            evidence.append("date of birth matches")
        elif query.dob.year in entry.birth_years or any(d.year == query.dob.year for d in entry.birth_dates):
            score += _DOB_YEAR_BONUS
            evidence.append("year of birth matches")
        else:
            score -= _DOB_CONFLICT_PENALTY
            evidence.append("date of birth differs")
    if query.country and entry.nationalities:
        if query.country.upper() in entry.nationalities:
            score += _COUNTRY_BONUS
            evidence.append("flag matches" if entry.kind == "vessel" else "nationality matches")
        else:
            score -= _COUNTRY_CONFLICT_PENALTY
            evidence.append("flag differs" if entry.kind == "vessel" else "nationality differs")
    if query.imo and entry.imo_number and normalize_imo_number(query.imo) != entry.imo_number:
        score -= _IDENTIFIER_CONFLICT_PENALTY
        evidence.append("IMO number differs")
    if (
        query.container_number
        and entry.container_number
        and normalize_container_number(query.container_number) != entry.container_number
    ):
        score -= _IDENTIFIER_CONFLICT_PENALTY
        evidence.append("container number differs")
    return min(max(score, 0.0), 1.0), evidence


@dataclass(frozen=True, slots=True)
class NameScores:
    """A name's scores against the entries its candidates reach (`WatchlistIndex.name_scores`): per entry its name
    score before corroborating facts and the listed name that scored it, for one version of the index."""

    version: int
    cutoff: float
    scored: tuple[tuple[str, float, str], ...]
