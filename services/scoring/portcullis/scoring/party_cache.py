"""Name screenings of declaration parties (and vessels) kept across batches while the watchlist index is unchanged.

The same importers, exporters, declarants and carriers recur across thousands of declarations, and a party's name
screening (a fuzzy search of some 20,000 listed names) costs far more than the rest of its declaration's scoring.
What a party's name matches depends only on its name as normalised, its country and the index: the result is kept
under (normalised name, country, limit, threshold) and dropped, all of it, when the index changes (an entry
added, changed or removed bumps `WatchlistIndex.version`). The party's trader id is looked up apart, exactly, every
time (a dictionary look-up), so one cached name serves every trader id it comes with. A country only weighs the
name's score (`WatchlistIndex.weigh`), so the name's candidates are found and scored once for every country it
comes with (an exporter's name with each origin of its goods): the name's scores are kept too, under (normalised
name, schema, threshold), at most as many as screenings and in a quarter of their bytes more. And a declaration's
party as the declaration screening joins its name's screening and its trader id's look-up is kept under its name as
written, country and trader id (recurring parties are written the same way each time): one look-up instead of a
normalisation, two keys and the join, at most as many and in a quarter of the bytes more again. The cache is bounded
in entries and in (estimated) bytes, the least recently used screening going first. A batch's party and vessel
names not screened before are scored together first (`prepare`): the same scores, cheaper than one by one. (A
vessel's screening with its IMO number is kept by the index's own result cache, where every IMO number that no entry
carries shares one screening.)
"""

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from portcullis.scoring.metrics import PARTY_CACHE_BYTES, PARTY_CACHE_ENTRIES, PARTY_CACHE_LOOKUPS
from portcullis.shared.screening import Match, WatchlistIndex
from portcullis.shared.screening.entries import QuerySchema
from portcullis.shared.screening.matcher import NameScores
from portcullis.shared.screening.normalize import normalize_name

#: A name screening's matches, each with whether it counts (a caller's check of the two names, see `screen`).
PartyMatches = tuple[tuple[Match, bool], ...]
CacheKey = tuple[tuple[str, ...], str | None, str | None, int, float]
#: A name's scores are kept under (normalised name, schema, threshold).
NameKey = tuple[tuple[str, ...], QuerySchema | None, float]
#: A party's joined matches are kept under (name as written, country, trader id, limit, threshold).
PartyKey = tuple[str, str | None, str | None, int, float]
#: The schema a vessel's name is screened as.
VESSEL: QuerySchema = "Vessel"
#: A cached screening's fixed cost (its key, tuples and the ordered dict's link) and each match's, in bytes: an
#: estimate that tracks the real size within a factor of about two; the listed entries are the index's, not counted.
_ENTRY_OVERHEAD = 400
_MATCH_OVERHEAD = 250
#: The same for a name's kept scores: the key, tuples and link, and each scored entry's tuple.
_NAME_OVERHEAD = 300
_SCORE_OVERHEAD = 150
#: The same for a party's joined matches: the key, tuples and link, and each match's tuple (the matches are shared).
_PARTY_OVERHEAD = 350
_PARTY_MATCH_OVERHEAD = 60
_HITS, _MISSES = PARTY_CACHE_LOOKUPS.labels("hit"), PARTY_CACHE_LOOKUPS.labels("miss")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Table(Generic[K, V]):
    """One table of the cache: values under keys with their estimated bytes, at most `max_entries` of them in at most
    `max_bytes`, the least recently used going first."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._kept: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, key: K) -> bool:
        return key in self._kept

    def get(self, key: K) -> V | None:
        """The value kept under `key`, now the most recently used, or None."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        self._kept.move_to_end(key)
        return kept[0]

    def keep(self, key: K, value: V, size: int) -> None:
        """Keep `value` (unless it alone is over the bounds), dropping the least recently used past them."""
        if self.max_entries == 0 or size > self.max_bytes:
            return
        self._kept[key] = (value, size)
        self.bytes += size
        while len(self._kept) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, dropped) = self._kept.popitem(last=False)
            self.bytes -= dropped

    def clear(self) -> None:
        self._kept.clear()
        self.bytes = 0


class PartyScreeningCache:
    """Parties' name screenings against one watchlist index, least recently used first out."""

    def __init__(self, max_entries: int = 100_000, max_bytes: int = 64 * 2**20) -> None:
        if max_entries < 0 or max_bytes < 0:
            raise ValueError("the cache's bounds must not be negative")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._results: _Table[CacheKey, PartyMatches] = _Table(max_entries, max_bytes)
        # Names' scores and, by entry, whether a match counts, for a name's other countries (a quarter of the bytes).
        self._names: _Table[NameKey, tuple[NameScores, dict[str, bool]]] = _Table(max_entries, max_bytes // 4)
        # Declarations' parties as written, their matches joined with their trader ids' (a quarter of the bytes).
        self._parties: _Table[PartyKey, PartyMatches] = _Table(max_entries, max_bytes // 4)
        # Look-ups not yet added to the lookups counter (`count_hits`, once a batch: the counter takes a lock).
        self._hits = self._misses = 0
        self._index: WatchlistIndex | None = None
        self._version = -1

    def __len__(self) -> int:
        return len(self._results)

    @property
    def size_bytes(self) -> int:
        """The estimated bytes the cached screenings take (names' scores apart: at most a quarter of `max_bytes`)."""
        return self._results.bytes

    def screen(
        self,
        index: WatchlistIndex,
        name: str,
        country: str | None,
        limit: int,
        threshold: float,
        counts: Callable[[Match], bool],
        schema: QuerySchema | None = None,
    ) -> PartyMatches:
        """The matches of a name and country (of a `schema`: a vessel's name) in `index`, each with `counts(match)`,
        kept while the index stays the same version (`counts` must depend on the name and the match alone)."""
        self._follow(index)
        tokens = normalize_name(name).tokens
        key: CacheKey = (tokens, country.upper() if country else None, schema, limit, threshold)
        cached = self._results.get(key)
        if cached is not None:
            self._hits += 1
            return cached
        self._misses += 1
        scores, counted = self._name_scores(index, name, (tokens, schema, threshold), schema, threshold)
        if not scores.scored:  # a third of new names reach no entry: nothing to weigh
            self._keep(key, ())
            return ()
        matches = []
        for match in index.weigh(scores, country, limit):
            counting = counted.get(match.entry.entry_id)
            if counting is None:
                counting = counted[match.entry.entry_id] = counts(match)
            matches.append((match, counting))
        found = tuple(matches)
        self._keep(key, found)
        return found

    def party(self, index: WatchlistIndex, key: PartyKey, screen: Callable[[], PartyMatches]) -> PartyMatches:
        """A declaration party's matches, `screen()`'s (which must depend on `key` and the index alone), kept under
        `key` while the index stays the same version; a kept one counts as a hit of the cache (`count_hits`)."""
        self._follow(index)
        kept = self._parties.get(key)
        if kept is not None:
            self._hits += 1
            return kept
        found = screen()
        name, country, party_id = key[0], key[1], key[2]
        size = _PARTY_OVERHEAD + _PARTY_MATCH_OVERHEAD * len(found) + sys.getsizeof(name)
        self._parties.keep(key, found, size + sys.getsizeof(country) + sys.getsizeof(party_id))
        return found

    def prepare(
        self,
        index: WatchlistIndex,
        parties: Iterable[PartyKey],
        vessels: Iterable[tuple[str, int, float]] = (),
    ) -> None:
        """Score together the names of a batch's parties (as keyed for `party`) and vessels (name, limit, threshold as
        asked of `screen`) whose screenings are not kept, so that `screen` finds their scores kept: the same scores as
        screening them one by one, cheaper together."""
        self._follow(index)
        if self.max_entries == 0:
            return  # nothing would be kept for `screen` to find
        wanted: dict[NameKey, str] = {}
        for key in parties:
            if key in self._parties:
                continue
            name, threshold = key[0], key[4]
            name_key: NameKey = (normalize_name(name).tokens, None, threshold)
            if name_key not in self._names:
                wanted.setdefault(name_key, name)
        for name, limit, threshold in vessels:
            tokens = normalize_name(name).tokens
            if (tokens, None, VESSEL, limit, threshold) in self._results:
                continue
            name_key = (tokens, VESSEL, threshold)
            if name_key not in self._names:
                wanted.setdefault(name_key, name)
        by_kind: dict[tuple[QuerySchema | None, float], list[tuple[NameKey, str]]] = {}
        for name_key, name in wanted.items():
            by_kind.setdefault((name_key[1], name_key[2]), []).append((name_key, name))
        for (schema, threshold), names in by_kind.items():
            scored = index.name_scores_many([name for _, name in names], schema, threshold)
            for (name_key, _), scores in zip(names, scored, strict=True):
                self._keep_scores(name_key, scores)

    def count_hits(self) -> None:
        """Add the look-ups since the last call to the lookups counter and publish the cache's size (once a batch:
        the metrics take a lock each)."""
        if self._hits:
            _HITS.inc(self._hits)
        if self._misses:
            _MISSES.inc(self._misses)
        self._hits = self._misses = 0
        self._published()

    def clear(self) -> None:
        """Forget every screening (the index changed)."""
        self._results.clear()
        self._names.clear()
        self._parties.clear()
        self._published()

    def _follow(self, index: WatchlistIndex) -> None:
        """Forget every screening when `index` is another one or another version of it than the one kept."""
        if index is not self._index or index.version != self._version:
            self.clear()
            self._index, self._version = index, index.version

    def _name_scores(
        self, index: WatchlistIndex, name: str, key: NameKey, schema: QuerySchema | None, threshold: float
    ) -> tuple[NameScores, dict[str, bool]]:
        """The name's scores (kept, or taken now) and, by entry, whether its match counts as far as known (`counts`
        depends on the name and the match's entry and listed name, which is one per entry in the scores)."""
        kept = self._names.get(key)
        if kept is not None:
            return kept
        scores = index.name_scores(name, schema, threshold)
        return scores, self._keep_scores(key, scores)

    def _keep_scores(self, key: NameKey, scores: NameScores) -> dict[str, bool]:
        """Keep a name's scores (unless they are too large) with an empty table of which matches count."""
        counted: dict[str, bool] = {}
        size = _NAME_OVERHEAD + sum(_SCORE_OVERHEAD + sys.getsizeof(matched) for _, _, matched in scores.scored)
        self._names.keep(key, (scores, counted), size)
        return counted

    def _keep(self, key: CacheKey, matches: PartyMatches) -> None:
        self._results.keep(key, matches, _estimated_bytes(key, matches))

    def _published(self) -> None:
        PARTY_CACHE_ENTRIES.set(len(self._results))
        PARTY_CACHE_BYTES.set(self._results.bytes)


def _estimated_bytes(key: CacheKey, matches: PartyMatches) -> int:
    words = sum(sys.getsizeof(word) for word in key[0])
    per_match = sum(
        _MATCH_OVERHEAD + sys.getsizeof(match.matched_name) + sum(sys.getsizeof(text) for text in match.evidence)
        for match, _ in matches
    )
    return _ENTRY_OVERHEAD + words + per_match
