# ruff: noqa: RUF003  (legal forms written in Cyrillic)
"""Names in other scripts to Latin letters, and legal forms of many languages, from maintained libraries.

ICU's transliterators (PyICU) read each script with its own rules (`Any-Latin` picks Cyrillic-Latin,
Hebrew-Latin, Han-Latin ... by script), then `Latin-ASCII` folds what remains to ASCII; anyascii reads whatever
ICU leaves. Legal forms in many languages and scripts (`בע"מ`, Russian `OOO`, `Aktiengesellschaft`) are removed with
OpenSanctions' `rigour` (its organisation-type database) before transliteration, so that a form spelled out in
another language weighs nothing, as the short forms already did.

Both libraries are loaded on first use, not at import (rigour's first load takes about a second).
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial

from anyascii import anyascii

from portcullis.shared.logging import get_logger

_TRANSLITERATION = "Any-Latin; Latin-ASCII"
_log = get_logger(__name__)


class _Transliterator:
    """One ICU transliterator, created on first use (not thread-safe, as the index is not)."""

    def __init__(self) -> None:
        import icu  # type: ignore[import-not-found,import-untyped,unused-ignore]

        self._icu = icu.Transliterator.createInstance(_TRANSLITERATION)

    def __call__(self, text: str) -> str:
        return str(self._icu.transliterate(text))


@cache
def _transliterator() -> _Transliterator:
    return _Transliterator()


def to_latin(text: str) -> str:
    """The text in ASCII Latin letters: ICU's rules for its script, anyascii for what they leave."""
    latin = _transliterator()(text)
    return latin if latin.isascii() else anyascii(latin)


_icu_reading = True


def icu_reading_enabled() -> bool:
    """Whether names in other scripts get ICU's second reading (always, except inside `icu_reading_off`)."""
    return _icu_reading


@contextmanager
def icu_reading_off() -> Iterator[None]:
    """Evaluation only: inside, names in other scripts are read without ICU's second reading (anyascii's alone, or
    with a dedicated romaniser's, which is not ICU).

    For scoring labelled pairs whose other-script name ICU itself wrote (benchmarks.heldout_pairs), where ICU's
    reading would undo its own writing. The normalisation cache is emptied on entry and on exit, so no reading
    made inside is served outside, or the other way round. Not thread-safe, as the index is not.
    """
    global _icu_reading  # one switch for the whole process: evaluation only
    from portcullis.shared.screening.normalize import normalize_name

    normalize_name.cache_clear()
    _icu_reading = False
    try:
        yield
    finally:
        _icu_reading = True
        normalize_name.cache_clear()


def script_readings(text: str) -> tuple[str | None, str | None]:
    """Readings of a name in another script besides anyascii's: (one to put before it, one to put after it).

    The index blocks and pre-scores on the first reading; the scorer keeps the better of the two. Japanese, Korean
    and Hebrew: a dedicated romaniser's reading first (`romanisers.py`); Arabic: ICU's first (the long vowels it
    writes help the pre-score, which compares spelling with vowels), anyascii's consonant skeleton second; other
    scripts: ICU's second. Inside `icu_reading_off`, no ICU reading."""
    from portcullis.shared.screening.romanisers import dedicated_reader

    reader = dedicated_reader(text)
    if reader is not None:
        try:
            return reader(text), None
        except Exception as error:  # a romaniser's gap (korean-romanizer lacks rare jamo) must not fail a screening
            # The name itself is personal data: only which reader failed, and how.
            _log.warning("romaniser_failed", reader=reader.__name__, error=type(error).__name__)
    if not _icu_reading:
        return None, None
    if _ARABIC_RE.search(text):
        return to_latin(text), None
    return None, to_latin(text)


_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def is_latin(text: str) -> bool:
    """Whether the text's letters are all Latin (accented ones included): no transliteration needed."""
    return all(not char.isalpha() or char.isascii() or "\u00c0" <= char <= "\u024f" for char in text)


# rigour's short forms include words of names (`ii`, a Roman numeral, is one): those are left to the hand-kept
# list of `normalize.py`; spelled-out forms (several words, 5+ letters) and forms in other scripts are rigour's.
_SHORTEST_FORM = 5
# Two-letter forms of other scripts are name words too (Bulgarian `АД` in `Фу'ад`); `ООО`, `בע"מ` are kept.
_SHORTEST_OTHER_SCRIPT = 3


@cache
def _org_types() -> Callable[[str], list[tuple[str, str]]]:
    """rigour's finder of legal forms in a casefolded text (imported on first use, not on every name)."""
    from rigour.names import extract_org_types  # type: ignore[import-not-found,import-untyped,unused-ignore]

    found: Callable[[str], list[tuple[str, str]]] = extract_org_types
    return found


@cache
def _plain_org_types() -> Callable[[str], list[tuple[str, str]]]:
    """rigour's finder with its table of legal forms built decomposed (NFKD) and cleaned of their accents
    (`Cleanup.Strong`): the forms as written in plain ASCII, which the casefolded table does not match where a form
    has accents (`societe anonyme`)."""
    from rigour.names import extract_org_types  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from rigour.text.normalize import Cleanup, Normalize  # type: ignore[import-not-found,import-untyped,unused-ignore]

    found: Callable[[str], list[tuple[str, str]]] = partial(
        extract_org_types, normalize_flags=Normalize.CASEFOLD | Normalize.NFKD, cleanup=Cleanup.Strong
    )
    return found


def without_legal_forms(text: str) -> str:
    """The text with the spelled-out legal forms that rigour knows (any language or script) removed; a text in plain
    ASCII also without the forms rigour knows only with accents, written plain (`societe anonyme` for `société
    anonyme`, `gesellschaft mit beschrankter haftung`)."""
    folded = text.casefold()
    stripped = _without_forms(folded, _org_types()(folded))
    if folded.isascii():
        stripped = _without_forms(stripped, _plain_org_types()(stripped))
    return text if stripped is folded else stripped


def _without_forms(text: str, found: list[tuple[str, str]]) -> str:
    """The text without the forms found in it that are long enough to be no word of a name."""
    stripped = text
    for form, _ in found:
        if len(form) >= _SHORTEST_FORM or " " in form or (not form.isascii() and len(form) >= _SHORTEST_OTHER_SCRIPT):
            shorter = _without_word(stripped, form)
            if shorter.strip():
                stripped = shorter
    return stripped


def _without_word(text: str, form: str) -> str:
    r"""The text with each occurrence of the form as a whole word (no letter, digit or `_` next to it) replaced by a
    space, as `re.sub(r"(?<!\w)FORM(?!\w)", " ", text)` does; the text itself where there is none."""
    # A search and two letters' tests, not a pattern: compiled, it runs natively (a third of names have `co ltd`).
    start = text.find(form)
    if start < 0:
        return text
    parts: list[str] = []
    kept = 0
    length = len(form)
    while start >= 0:
        end = start + length
        if (start == 0 or not _word_letter(text[start - 1])) and (end == len(text) or not _word_letter(text[end])):
            parts.append(text[kept:start])
            parts.append(" ")
            kept = end
            start = text.find(form, end)
        else:
            start = text.find(form, start + 1)
    if not parts:
        return text
    parts.append(text[kept:])
    return "".join(parts)


def _word_letter(char: str) -> bool:
    """Whether the character is one of a pattern's word characters (`\\w`: a letter, a digit or `_`)."""
    return char.isalnum() or char == "_"


@cache
def is_legal_form(word: str) -> bool:
    """Whether the word on its own is a legal form that rigour knows (`SA`, `CA`, `OOO`), in any language."""
    return any(form == word.casefold() for form, _ in _org_types()(word.casefold()))
