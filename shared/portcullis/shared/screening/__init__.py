"""Watchlist screening: entries, name normalisation, the matching index and list parsers."""

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
