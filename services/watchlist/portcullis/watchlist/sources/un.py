"""The UN Security Council consolidated list (XML, `CONSOLIDATED_LIST` with INDIVIDUALS and ENTITIES)."""

import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from datetime import date

from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.entries import IdentityDocument
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
from portcullis.watchlist.sources.xml import parse_xml, text, texts

PREFIX = "un-sc"
LIST_NAME = "UN SC Consolidated List"
FILE = "consolidated.xml"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_DOCUMENT_KINDS = {"passport": "passport", "national identification number": "national_id"}


def parse_un(files: Mapping[str, str]) -> ParsedList:
    """The parties of the consolidated list: individuals as persons, entities as organisations."""
    root = parse_xml(files[FILE], FILE, "CONSOLIDATED_LIST")
    parsed = ParsedList(published=root.get("dateGenerated"))
    for kind, path in (("person", "INDIVIDUALS/INDIVIDUAL"), ("organization", "ENTITIES/ENTITY")):
        for position, element in enumerate(root.findall(path), start=1):
            reference = text(element, "REFERENCE_NUMBER") or text(element, "DATAID")
            identifier = entry_id(PREFIX, reference)
            where = f"{path}[{position}]"
            if identifier is None:
                parsed.rejections.append(reject(where, "REFERENCE_NUMBER", f"not a usable id: {reference!r}"))
                continue
            entry = _entry(identifier, kind, element)
            if entry is None:
                parsed.rejections.append(reject(identifier, f"{where}.FIRST_NAME", "the party has no name"))
            else:
                parsed.entries.append(entry)
    return parsed


def _entry(identifier: str, kind: str, element: ElementTree.Element) -> WatchlistEntry | None:
    primary = " ".join(part for name in _NAME_PARTS if (part := text(element, name)))
    alias_path = "INDIVIDUAL_ALIAS/ALIAS_NAME" if kind == "person" else "ENTITY_ALIAS/ALIAS_NAME"
    names = split_names([primary, *texts(element, alias_path), *texts(element, "NAME_ORIGINAL_SCRIPT")])
    if names is None:
        return None
    name, aliases = names
    if kind == "person":
        birth_dates, birth_years = _births(element)
        return WatchlistEntry(
            entry_id=identifier,
            list_name=LIST_NAME,
            kind="person",
            name=name,
            aliases=aliases,
            reason=_reason(element),
            birth_dates=birth_dates,
            birth_years=birth_years,
            nationalities=country_codes(texts(element, "NATIONALITY/VALUE")),
            documents=_documents(element),
        )
    return WatchlistEntry(
        entry_id=identifier,
        list_name=LIST_NAME,
        kind="organization",
        name=name,
        aliases=aliases,
        reason=_reason(element),
        nationalities=country_codes(texts(element, "ENTITY_ADDRESS/COUNTRY")),
    )


def _reason(element: ElementTree.Element) -> str:
    regime = text(element, "UN_LIST_TYPE")
    reference = text(element, "REFERENCE_NUMBER")
    designations = "; ".join(texts(element, "DESIGNATION/VALUE"))
    reason = f"{LIST_NAME}, {regime} sanctions, {reference}" + (f"; {designations}" if designations else "")
    return " ".join(reason.split())[:1000]


def _births(element: ElementTree.Element) -> tuple[tuple[date, ...], tuple[int, ...]]:
    dates: list[date] = []
    years: list[int] = []
    for birth in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        exact = iso_date(text(birth, "DATE"))
        if exact is not None and exact <= date.today():
            dates.append(exact)
            continue
        year = plausible_year(text(birth, "YEAR"))
        first, last = plausible_year(text(birth, "FROM_YEAR")), plausible_year(text(birth, "TO_YEAR"))
        if year is not None:
            spread = 1 if text(birth, "TYPE_OF_DATE").upper() == "APPROXIMATELY" else 0
            years.extend(range(year - spread, year + spread + 1))
        elif first is not None and last is not None and 0 <= last - first <= 20:
            years.extend(range(first, last + 1))
    return tuple(dict.fromkeys(dates))[:50], tuple(dict.fromkeys(y for y in years if y >= 1850))[:50]


def _documents(element: ElementTree.Element) -> tuple[IdentityDocument, ...]:
    documents = []
    for found in element.findall("INDIVIDUAL_DOCUMENT"):
        kind = _DOCUMENT_KINDS.get(text(found, "TYPE_OF_DOCUMENT").lower(), "other")
        number = text(found, "NUMBER")
        issued = text(found, "ISSUING_COUNTRY") or text(found, "COUNTRY_OF_ISSUE") or None
        made = document(kind, number, issued) if number else None
        if made is not None:
            documents.append(made)
    return tuple(dict.fromkeys(documents))[:MAX_DOCUMENTS]
