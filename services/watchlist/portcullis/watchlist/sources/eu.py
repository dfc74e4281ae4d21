"""The EU consolidated list of financial sanctions (FSF XML 1.1, `export` of `sanctionEntity` elements)."""

import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from datetime import date

from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.entries import EntryKind, IdentityDocument
from portcullis.watchlist.sources.parsing import (
    MAX_DOCUMENTS,
    ParsedList,
    country_codes,
    document,
    entry_id,
    iso_date,
    plausible_year,
    reject,
    split_names,
)
from portcullis.watchlist.sources.xml import parse_xml

PREFIX = "eu-fsf"
LIST_NAME = "EU Financial Sanctions"
FILE = "xmlFullSanctionsList_1_1.xml"
_NS = "{http://eu.europa.ec/fpi/fsd/export}"
_KINDS: dict[str, EntryKind] = {"person": "person", "enterprise": "organization"}
_DOCUMENT_KINDS = {"passport": "passport", "id": "national_id", "fiscalcode": "tax_id", "regnumber": "registration"}
_UNKNOWN_COUNTRY = "00"


def parse_eu(files: Mapping[str, str]) -> ParsedList:
    """The parties of the list: persons and enterprises (organisations)."""
    root = parse_xml(files[FILE], FILE, "export")
    parsed = ParsedList(published=root.get("generationDate"))
    for position, element in enumerate(root.iter(f"{_NS}sanctionEntity"), start=1):
        reference = element.get("euReferenceNumber") or element.get("logicalId") or ""
        identifier = entry_id(PREFIX, reference)
        where = f"sanctionEntity[{position}]"
        if identifier is None:
            parsed.rejections.append(reject(where, "euReferenceNumber", f"not a usable id: {reference!r}"))
            continue
        subject = element.find(f"{_NS}subjectType")
        kind = _KINDS.get(subject.get("code", "") if subject is not None else "")
        if kind is None:
            parsed.rejections.append(reject(identifier, f"{where}.subjectType", "neither a person nor an enterprise"))
            continue
        names = split_names([alias.get("wholeName", "") for alias in element.iter(f"{_NS}nameAlias")])
        if names is None:
            parsed.rejections.append(reject(identifier, f"{where}.nameAlias", "the party has no name"))
            continue
        parsed.entries.append(_entry(identifier, kind, names, element))
    return parsed


def _entry(
    identifier: str, kind: EntryKind, names: tuple[str, tuple[str, ...]], element: ElementTree.Element
) -> WatchlistEntry:
    name, aliases = names
    common = {"entry_id": identifier, "list_name": LIST_NAME, "name": name, "aliases": aliases}
    reason = _reason(identifier, element)
    if kind == "person":
        birth_dates, birth_years = _births(element)
        return WatchlistEntry(
            **common,
            kind="person",
            reason=reason,
            birth_dates=birth_dates,
            birth_years=birth_years,
            nationalities=_countries(element, "citizenship"),
            documents=_documents(element),
        )
    return WatchlistEntry(
        **common,
        kind="organization",
        reason=reason,
        nationalities=_countries(element, "address"),
        documents=_documents(element),
    )


def _reason(identifier: str, element: ElementTree.Element) -> str:
    programmes = [r.get("programme", "") for r in element.iter(f"{_NS}regulation") if r.get("programme")]
    functions = [a.get("function", "") for a in element.iter(f"{_NS}nameAlias") if a.get("function")]
    reference = identifier.partition(":")[2]
    label = f"{LIST_NAME}, programme {', '.join(dict.fromkeys(programmes))}" if programmes else LIST_NAME
    reason = f"{label}, {reference}" + (f"; {'; '.join(dict.fromkeys(functions))}" if functions else "")
    return " ".join(reason.split())[:1000]


def _countries(element: ElementTree.Element, tag: str) -> tuple[str, ...]:
    codes = [found.get("countryIso2Code", "") for found in element.iter(f"{_NS}{tag}")]
    return country_codes([code for code in codes if code != _UNKNOWN_COUNTRY])


def _births(element: ElementTree.Element) -> tuple[tuple[date, ...], tuple[int, ...]]:
    dates: list[date] = []
    years: list[int] = []
    for birth in element.iter(f"{_NS}birthdate"):
        exact = iso_date(birth.get("birthdate", ""))
        circa = birth.get("circa") == "true"
        if exact is not None and not circa and exact <= date.today():
            dates.append(exact)
            continue
        year = plausible_year(birth.get("year", "")) or (exact.year if exact else None)
        if year is not None:
            years.extend(range(year - 1, year + 2) if circa else [year])
    return tuple(dict.fromkeys(dates))[:50], tuple(dict.fromkeys(y for y in years if y >= 1850))[:50]


def _documents(element: ElementTree.Element) -> tuple[IdentityDocument, ...]:
    documents = []
    for found in element.iter(f"{_NS}identification"):
        kind = _DOCUMENT_KINDS.get(found.get("identificationTypeCode", ""), "other")
        country = found.get("countryIso2Code", "")
        made = document(kind, found.get("number", ""), None if country == _UNKNOWN_COUNTRY else country)
        if made is not None:
            documents.append(made)
    return tuple(dict.fromkeys(documents))[:MAX_DOCUMENTS]
