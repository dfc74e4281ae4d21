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
from functools import cache

from anyascii import anyascii

_TRANSLITERATION = "Any-Latin; Latin-ASCII"


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


def is_latin(text: str) -> bool:
    """Whether the text's letters are all Latin (accented ones included): no transliteration needed."""
    return all(not char.isalpha() or char.isascii() or "\u00c0" <= char <= "\u024f" for char in text)


# rigour's short forms include words of names (`ii`, a Roman numeral, is one): those are left to the hand-kept
# list of `normalize.py`; spelled-out forms (several words, 5+ letters) and forms in other scripts are rigour's.
_SHORTEST_FORM = 5
# Two-letter forms of other scripts are name words too (Bulgarian `АД` in `Фу'ад`); `ООО`, `בע"מ` are kept.
_SHORTEST_OTHER_SCRIPT = 3


def without_legal_forms(text: str) -> str:
    """The text with the spelled-out legal forms that rigour knows (any language or script) removed."""
    from rigour.names import extract_org_types  # type: ignore[import-not-found,import-untyped,unused-ignore]

    folded = text.casefold()
    stripped = folded
    for form, _ in extract_org_types(folded):
        if len(form) >= _SHORTEST_FORM or " " in form or (not form.isascii() and len(form) >= _SHORTEST_OTHER_SCRIPT):
            shorter = re.sub(r"(?<!\w)" + re.escape(form) + r"(?!\w)", " ", stripped)
            if shorter.strip():
                stripped = shorter
    return text if stripped is folded else stripped


@cache
def is_legal_form(word: str) -> bool:
    """Whether the word on its own is a legal form that rigour knows (`SA`, `CA`, `OOO`), in any language."""
    from rigour.names import extract_org_types  # type: ignore[import-not-found,import-untyped,unused-ignore]

    return any(form == word.casefold() for form, _ in extract_org_types(word.casefold()))
