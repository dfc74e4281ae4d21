"""Looser readings for the scorer: romanisation conventions the spelling keys keep apart, for words long enough that
merging them does not make different names meet (`CHAVEZ` / `KHAVEZ`, `YOSEF` / `JOSEF`, `ASCHRAF` / `ASHRAF`), and
a word normalisation removed run together with a neighbour (`GENERALRESOURCING` for `GENERAL RESOURCING`)."""

from functools import lru_cache

from portcullis.shared.screening.normalize import NormalizedName, letters_once, spelling_key

#: Words shorter than this keep the strict spelling key only: `CHO` / `KHO`, `JI` / `YI`, `JAN` / `IAN` stay apart.
LOOSE_SPELLING_MIN_LENGTH = 4
# Read in order, before the spelling key's own merges: German `SCH` is English `SH`; `CH` is read as `KH` (German,
# French and Polish transliterations of Cyrillic and Arabic: `CHODORKOWSKI`, `CHALED`), and `KH` as `H` the way the
# spelling key reads it; long vowels written doubled or as digraphs; and `J` is the German and Dutch `Y` (`JUSUF`).
_LOOSE_DIGRAPHS = (
    ("SCH", "SH"),
    ("KH", "H"),
    ("CH", "H"),
    ("EE", "I"),
    ("OO", "U"),
    ("IE", "I"),
    ("EI", "AI"),
)


@lru_cache(maxsize=65536)
def loose_spelling_key(word: str) -> str:
    """The word's spelling key after merging the romanisation conventions above (`CHAVEZ` and `KHAWEZ`: `HAVES`)."""
    for digraph, replacement in _LOOSE_DIGRAPHS:
        if digraph in word:
            word = word.replace(digraph, replacement)
    keyed = spelling_key(word)  # `DZH` read as `J` first (`KHADZHDZH`: `HAJ`), then `J` as `Y`, which it reads as `I`
    return letters_once(keyed.replace("J", "I")) if "J" in keyed else keyed


def spelled_loosely_alike(word_a: str, word_b: str) -> bool:
    """Whether two words of four letters or more differ only by the conventions above (or the spelling key's)."""
    if len(word_a) < LOOSE_SPELLING_MIN_LENGTH or len(word_b) < LOOSE_SPELLING_MIN_LENGTH:
        return False
    return loose_spelling_key(word_a) == loose_spelling_key(word_b)


#: Removed words shorter than this are not looked for inside a word (`SA` begins too many words).
_GLUED_REMOVED_MIN = 3


@lru_cache(maxsize=4096)
def _removed_keys(removed: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The removed words long enough to look for, with their loose spelling keys (listed names recur)."""
    return tuple((word, loose_spelling_key(word)) for word in removed if len(word) >= _GLUED_REMOVED_MIN)


def removed_word_apart(a: NormalizedName, b: NormalizedName) -> NormalizedName | None:
    """Name `a` with a word that is a word of `b` run together with a word normalisation removed from `b` (a title
    or legal form: `FAWZIHAJJI` for `FAWZI HAJJI`, `PAOMOSOBLBANK` for `PAO MOSOBLBANK`) set apart, and a word that
    is such a removed word spelled another way left out (`KHADZHDZHI` for a removed `HAJJI`), those removed words
    counted as removed in `a` too; None when `a` has no such word (or nothing else)."""
    removed = _removed_keys(b.removed)
    if not removed:
        return None
    words_b = b.words
    tokens: list[str | None] = list(a.tokens)
    apart: list[str] = []
    for i, token in enumerate(a.tokens):
        if token in words_b:
            continue
        keyed = loose_spelling_key(token)
        for word, word_keyed in removed:
            if keyed == word_keyed:  # the removed word spelled another way (`KHADZHDZHI`, `HAJJI`)
                tokens[i] = None
                apart.append(word)
                break
            if len(token) > len(word) and (token.startswith(word) or token.endswith(word)):
                rest = token[len(word) :] if token.startswith(word) else token[: -len(word)]
                if rest in words_b:
                    tokens[i] = rest
                    apart.append(word)
                    break
    if not apart:
        return None  # the common case: nothing to set apart
    kept = tuple(token for token in tokens if token is not None)
    if not kept:
        return None
    return NormalizedName(kept, removed=(*a.removed, *apart))
