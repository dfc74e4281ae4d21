"""Words that count as matched though written differently: a word normalisation removed from the other name
(a legal form or title, mistyped so that it was kept), one generic word in two languages, and an organisation's
initials. The scorer (`scoring.py`) applies them; the index (`matcher.py`) keys organisations by their initials."""

from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import OSA

from portcullis.shared.screening.generic import any_meaning, is_business_word, organisation_kind, word_meanings
from portcullis.shared.screening.normalize import PARTICLES, NormalizedName
from portcullis.shared.screening.rows import RowCache
from portcullis.shared.screening.transliteration import is_legal_form

#: A word whose best counterpart in the other name scores below this has none (the scorer's typing-error floor).
MATCHED = 0.85
#: One generic word in two languages (`TEJARAT` / `TRADING`, `BANCO` / `BANK`, `MADAN` / `MINE`): at least this similar.
TRANSLATION_FLOOR = 0.85
#: Initials are this many letters long, and stand for as many words.
ACRONYM_MIN = 3
ACRONYM_MAX = 8
#: Beginnings of words (`CONVIASA`, `INCOVALLE`) spell this many letters at most, from three words, or two words
#: for a word of this many letters (`COMECARNES`); one inner word may be left out (`IMIDRO`).
PREFIX_ACRONYM_MAX = 12
PREFIX_RUN_MIN = 3
PREFIX_PAIR_MIN = 6
#: A word of this many letters two edits from a word the other name's normalisation removed is taken for it.
_REMOVED_TWO_EDITS = 6
#: ... and of this many letters one letter more or less than it.
_REMOVED_LENGTH_CHANGE = 4


def match_translations(
    words_a: tuple[str, ...], words_b: tuple[str, ...], best_a: list[float], best_b: list[float]
) -> tuple[list[int], list[int]]:
    """Words without a counterpart on either side that are one generic word in two languages (`TEJARAT` /
    `TRADING`, `STICHTING` / `FOUNDATION`, `EMPRESA` / `ENTERPRISE`) count as matched: only such words, so that a
    word matched as written is not matched twice. Returns the positions of the words so matched, on either side
    (generic words: they are no distinctive word the names share)."""
    # The second name's words first (the listed name: which of its words have a meaning is known from earlier
    # screenings, one lookup a name), so that the screened name's words go to rigour's tagger (tens of microseconds
    # a word it has not seen) only when a word without a counterpart there has a meaning at all.
    rows: list[int] = []
    columns: list[int] = []
    for column in generic_positions(words_b):
        if best_b[column] < TRANSLATION_FLOOR:
            break
    else:  # every generic word of the second name has a counterpart
        return rows, columns
    for row in range(len(words_a)):
        if best_a[row] >= TRANSLATION_FLOOR:
            continue
        meanings = word_meanings(words_a[row])
        if not meanings:
            continue
        for column in range(len(words_b)):
            if best_b[column] < TRANSLATION_FLOOR and not meanings.isdisjoint(word_meanings(words_b[column])):
                best_a[row] = best_b[column] = TRANSLATION_FLOOR
                rows.append(row)
                columns.append(column)
                break
    return rows, columns


@lru_cache(maxsize=16384)
def generic_positions(words: tuple[str, ...]) -> tuple[int, ...]:
    """The positions of a name's generic words (`word_meanings`), asked of the listed names, which recur."""
    return tuple(i for i, word in enumerate(words) if word_meanings(word))


def _like_removed(word: str, removed: tuple[str, ...]) -> bool:
    """Whether a word is one the other name's normalisation removed, mistyped or not (`ZVO` / `ZAO`, `LLK` / `LLC`,
    `LLRC` / `LLC`, `CORPORATIONLTD` / `CORPORATION LTD`): a legal form or title written so that it was kept."""
    if word in removed:
        return True
    if len(word) == 1:
        return any(other[0] == word for other in removed)
    if is_legal_form(word):
        return False  # another legal form (`CA`, a Venezuelan one, is no `SA`): another registration
    allowed = 2 if len(word) >= _REMOVED_TWO_EDITS else 1
    # Short words only with a letter replaced (`CW` / `CV`, `INK` / `INC`): `SAN` is no `SA`.
    candidates = [other for other in removed if len(word) >= _REMOVED_LENGTH_CHANGE or len(other) == len(word)]
    candidates += ["".join(pair) for pair in pairwise(removed)]
    return any(OSA.distance(word, other, score_cutoff=allowed) <= allowed for other in candidates)


def _kind_removed(word: str, removed: tuple[str, ...]) -> bool:
    """Whether a word names the kind of organisation a removed legal form names (`SHERKAT` for `COMPANY`): a hand-kept
    kind only, so that no screened word goes to rigour's tagger here."""
    kind = organisation_kind(word)
    return kind is not None and any(kind in word_meanings(other) for other in removed)


@lru_cache(maxsize=16384)
def _removed_lengths(removed: tuple[str, ...]) -> frozenset[int]:
    """The lengths a word like one of the removed words can have (a quick test before the edit distances)."""
    lengths = {1}
    for other in [*removed, *("".join(pair) for pair in pairwise(removed))]:
        allowed = 2 if len(other) >= _REMOVED_TWO_EDITS - 2 else 1
        lengths.update(range(len(other) - allowed, len(other) + allowed + 1))
    return frozenset(lengths)


#: Whether a word stands for one of the removed words (`_stands_for_removed`), by the removed words, then the word:
#: the removed words of a listed name are looked up once a comparison, its words by their cached hash.
_removed_cache: RowCache[tuple[str, ...], bool] = RowCache(65536)
_removed_rows = _removed_cache.rows
_NO_ROW = _removed_cache.no_row


def _stands_for_removed(word: str, removed: tuple[str, ...]) -> bool:
    """Whether a word is like one of the removed words, or names the kind of organisation one of them names."""
    return (
        len(word) in _removed_lengths(removed) and word not in PARTICLES and _like_removed(word, removed)
    ) or _kind_removed(word, removed)


def _remember_removed(word: str, removed: tuple[str, ...]) -> bool:
    """`_stands_for_removed`, cached."""
    return _removed_cache.put(removed, word, _stands_for_removed(word, removed))


def removed_elsewhere(words: tuple[str, ...], best: list[float], removed: tuple[str, ...]) -> list[int]:
    """The positions of words without a counterpart that are like a word the other name's normalisation removed
    (none if that would be every word)."""
    known = _removed_rows.get(removed, _NO_ROW)
    dropped: list[int] = []
    for i in range(len(words)):
        if best[i] < MATCHED:
            word = words[i]
            stands = known.get(word)
            if stands if stands is not None else _remember_removed(word, removed):
                dropped.append(i)
    return dropped if len(dropped) < len(words) else []


def weights_without(
    words: tuple[str, ...],
    dropped: list[int],
    best: list[float],
    weights: tuple[float, ...],
    distinctive: tuple[float, ...],
) -> tuple[tuple[float, ...], float, int, tuple[float, ...], float]:
    """A name's weights with the dropped words weighing nothing (and their best match set to 1, for the weakest)."""
    for i in dropped:
        best[i] = 1.0
    weights = tuple(0.0 if i in dropped else w for i, w in enumerate(weights))
    distinctive = tuple(0.0 if i in dropped else w for i, w in enumerate(distinctive))
    substantive = sum(1 for i, w in enumerate(words) if i not in dropped and w not in PARTICLES)
    return weights, sum(weights), substantive, distinctive, sum(distinctive)


@lru_cache(maxsize=16384)
def initials_of(words: tuple[str, ...]) -> tuple[tuple[int, ...], str]:
    """The positions of a name's words that are not particles, and their first letters."""
    content = tuple(i for i, word in enumerate(words) if word not in PARTICLES)
    return content, "".join(words[i][0] for i in content)


def acronyms(name: NormalizedName) -> frozenset[str]:
    """The initials of an organisation's name (`BIM` for `BANK OF INDUSTRY AND MINE`, `NITC` for `NATIONAL IRANIAN
    TANKER COMPANY` too): three words or more, one of them a generic word (a person's initials are no name)."""
    if len(name.words) + len(name.removed) < ACRONYM_MIN:
        return frozenset()
    return _acronyms(name.words, name.removed)


@lru_cache(maxsize=16384)
def _acronyms(words: tuple[str, ...], removed: tuple[str, ...]) -> frozenset[str]:
    # `initials_of` and `any_meaning` spelled out: every screened name comes here once, and through them it would
    # push the listed names' initials (which the scorer reads) out of `initials_of`'s cache.
    found = set()
    for spelled in (words, (*words, *removed)) if removed else (words,):
        content = [word for word in spelled if word not in PARTICLES]
        # The hand-kept business words first: rigour's tagger costs tens of microseconds a word it has not seen.
        if ACRONYM_MIN <= len(content) <= ACRONYM_MAX and (
            any(map(is_business_word, content)) or any(map(word_meanings, content))
        ):
            found.add("".join(word[0] for word in content))
    return frozenset(found)


def acronym_reading(
    short: tuple[str, ...], long: tuple[str, ...], removed: tuple[str, ...], latin: bool = True
) -> tuple[str, ...] | None:
    """The longer name with the words a word of the shorter one abbreviates replaced by it (`BANK OF INDUSTRY AND
    MINE` read as `BIM`; the removed legal form may end the initials: `NITC`; beginnings of words: `CONVIASA`), if
    one does: one of the words a generic word, or, for a name of one word written in Latin letters with at most one
    vowel (`PFLP`, `LTTE`: no name), the initials of every word of the other."""
    # Word beginnings only in a name of one word of four letters or more (`C.I. DISERCOM`, not `HANJIN TRADING`).
    beginnings = sum(len(word) > ACRONYM_MIN for word in short) == 1
    longest = PREFIX_ACRONYM_MAX if beginnings else ACRONYM_MAX
    if not beginnings:
        # Initials are found only in the initials of the longer name's words, which are no more than its words: a
        # name whose words are all longer (`SMITH` for `JOHN ROBERT SMYTHE`) has none to be read as (most persons).
        most = len(long) + len(removed)
        if all(len(word) > most for word in short):
            return None
    for spelled in (long, (*long, *removed)) if removed else (long,):
        content, initials = initials_of(spelled)
        if len(content) < 2:
            continue
        content_words: tuple[str, ...] | None = None
        for word in short:
            if not ACRONYM_MIN <= len(word) <= longest or word in long:
                continue
            start = initials.find(word) if len(word) <= ACRONYM_MAX and len(content) >= ACRONYM_MIN else -1
            if start >= 0:
                run = content[start : start + len(word)]
            elif beginnings and len(word) > ACRONYM_MIN and word[0] in initials:
                if content_words is None:
                    content_words = tuple(spelled[i] for i in content)
                found = _spelled_by_prefixes(word, content_words)
                if found is None:
                    continue
                run = content[found[0] : found[1]]
            else:
                continue
            if any_meaning(spelled[i] for i in run) or (
                latin and len(short) == 1 and len(run) == len(content) == len(word) and _vowel_count(word) <= 1
            ):
                return (*long[: run[0]], word, *long[run[-1] + 1 :])
    return None


def _vowel_count(word: str) -> int:
    return sum(letter in "AEIOU" for letter in word)


@lru_cache(maxsize=16384)
def _spelled_by_prefixes(word: str, words: tuple[str, ...]) -> tuple[int, int] | None:
    """The first and past-the-last position of a run of words whose beginnings, in order, spell the word
    (`CONVIASA`: CONsorcio Venezolano Industrias Aeronauticas Servicios Aereos; `PIDMCO`; `IMIDRO` with one inner
    word left out), if one does: three words, or two for a word of `PREFIX_PAIR_MIN` letters (`COMECARNES`). Words of
    four letters or more: three letters are three initials, which the caller looks for."""
    # Memoised by state (a hostile name of forty like words would otherwise be walked in every way: 0.3 s a pair).
    known: dict[tuple[int, int, int, int], int | None] = {}
    for start, first in enumerate(words):
        if first[0] == word[0]:
            found = _prefixes_from(word, 0, words, start, 0, 1, known)
            if found is not None:
                return start, found
    return None


def _prefixes_from(
    word: str,
    letter: int,
    words: tuple[str, ...],
    position: int,
    used: int,
    skips: int,
    known: dict[tuple[int, int, int, int], int | None],
) -> int | None:
    """Where a run of words from `position` ends whose beginnings spell `word[letter:]` (longer beginnings first),
    with `used` words used so far and `skips` inner words that may still be left out (`known`: the answers so far)."""
    state = (letter, position, min(used, PREFIX_RUN_MIN), skips)  # beyond PREFIX_RUN_MIN words used, all alike
    if state in known:
        return known[state]
    end: int | None = None
    if letter == len(word):
        enough = used >= PREFIX_RUN_MIN or (used == 2 and len(word) >= PREFIX_PAIR_MIN)
        end = position if enough else None
    elif position < len(words):
        candidate = words[position]
        for length in range(min(len(candidate), len(word) - letter), 0, -1):
            if candidate[:length] == word[letter : letter + length]:
                end = _prefixes_from(word, letter + length, words, position + 1, used + 1, skips, known)
                if end is not None:
                    break
        if end is None and skips and letter:
            end = _prefixes_from(word, letter, words, position + 1, used, skips - 1, known)
    known[state] = end
    return end
