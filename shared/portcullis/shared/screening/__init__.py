"""Watchlist screening: entries, name normalisation, the matching index and list parsers.

The names below load their module on first use: the contracts validate container and IMO numbers with
`screening.identifiers`, which must import without the matching engine's dependencies (the `screening` extra of
portcullis-shared: rapidfuzz, anyascii, numpy), which services that only validate do not install.
"""

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from portcullis.shared.compiled import use_compiled

if TYPE_CHECKING:
    from portcullis.shared.screening.entries import IdentityDocument, Match, ScreeningQuery, WatchlistEntry
    from portcullis.shared.screening.identifiers import (
        is_valid_container_number,
        is_valid_imo_number,
        normalize_container_number,
        normalize_imo_number,
    )
    from portcullis.shared.screening.matcher import DEFAULT_MATCH_THRESHOLD, WatchlistIndex
    from portcullis.shared.screening.normalize import normalize_name
    from portcullis.shared.screening.ofac import load_ofac_sdn
    from portcullis.shared.screening.scoring import compare_names

#: Whether the matcher's modules run compiled (`portcullis.shared.compiled`): only if built from their current source.
COMPILED = use_compiled(__name__, Path(__file__).parent)

_MODULE_OF = {
    "DEFAULT_MATCH_THRESHOLD": "matcher",
    "IdentityDocument": "entries",
    "Match": "entries",
    "ScreeningQuery": "entries",
    "WatchlistEntry": "entries",
    "WatchlistIndex": "matcher",
    "compare_names": "scoring",
    "is_valid_container_number": "identifiers",
    "is_valid_imo_number": "identifiers",
    "load_ofac_sdn": "ofac",
    "normalize_container_number": "identifiers",
    "normalize_imo_number": "identifiers",
    "normalize_name": "normalize",
}

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "IdentityDocument",
    "Match",
    "ScreeningQuery",
    "WatchlistEntry",
    "WatchlistIndex",
    "compare_names",
    "is_valid_container_number",
    "is_valid_imo_number",
    "load_ofac_sdn",
    "normalize_container_number",
    "normalize_imo_number",
    "normalize_name",
]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
