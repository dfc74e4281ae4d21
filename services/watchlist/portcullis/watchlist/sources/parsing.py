"""What every list parser shares: its result, its error, and the clean-up of names, dates, countries and ids."""

import re
from dataclasses import dataclass, field
from datetime import date

from portcullis.shared.schemas.watchlist import LIST_COUNTRY_CODES
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.entries import IdentityDocument
from portcullis.shared.screening.ofac import country_code
from portcullis.watchlist.entries.schemas import Rejection

_ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,79}$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$")
#: The entry schema's bounds (shared/schemas/watchlist.py): longer lists are cut, longer names left out.
MAX_ALIASES = 200
MAX_NAME = 300
MAX_CODES = 50
MAX_DOCUMENTS = 100


class ListFormatError(ValueError):
    """A file that is not the format its source names: the API answers 422 with the field and the reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class ParsedList:
    """The parties of one list file, those it could not read, and the publication date the file states."""

    entries: list[WatchlistEntry] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    published: str | None = None


def entry_id(prefix: str, local_id: str) -> str | None:
    """`<prefix>:<id>`, or None when the list's id cannot be an entry id (letters, digits, `:._-`, 80 long)."""
    candidate = f"{prefix}:{local_id.strip()}"
    return candidate if _ENTRY_ID.match(candidate) else None


def clean_names(names: list[str]) -> list[str]:
    """Names stripped, de-duplicated in order, without empty or over-long ones."""
    cleaned = (" ".join(name.split()) for name in names)
    return list(dict.fromkeys(name for name in cleaned if name and len(name) <= MAX_NAME))


def split_names(names: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """The primary name and the aliases (bounded), or None without any name."""
    cleaned = clean_names(names)
    if not cleaned:
        return None
    return cleaned[0], tuple(alias for alias in cleaned[1:] if alias != cleaned[0])[:MAX_ALIASES]


def country_codes(values: list[str]) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes of country codes or names as lists write them; unknown ones are left out."""
    codes: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        code = text.upper() if len(text) == 2 and text.isalpha() else country_code(text)
        if code and code in LIST_COUNTRY_CODES:
            codes.append(code)
    return tuple(dict.fromkeys(codes))[:MAX_CODES]


def document(kind: str, number: str, country: str | None = None) -> IdentityDocument | None:
    """An identity document, or None when the number is not one the entry schema takes."""
    text = " ".join(number.split())
    if not _DOCUMENT_NUMBER.match(text):
        return None
    codes = country_codes([country]) if country else ()
    return IdentityDocument(kind=kind, number=text, country=codes[0] if codes else None)


def iso_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date, or None."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def plausible_year(text: str) -> int | None:
    """A year of birth the entry schema takes (1850 to today), or None."""
    value = text.strip()
    if len(value) == 4 and value.isdigit() and 1850 <= int(value) <= date.today().year:
        return int(value)
    return None


def reject(entry_ref: str, field_name: str, reason: str) -> Rejection:
    """A party of the list that cannot be read."""
    return Rejection(entry_id=entry_ref, field=field_name, reason=reason)
