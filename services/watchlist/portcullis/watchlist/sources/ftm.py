"""FollowTheMoney entities as JSON lines (`entities.ftm.json`, what OpenSanctions publishes): one entity a line.

Parsed with the standard library: the few schemas and properties screening needs are read directly (the
`followthemoney` package's model, with its own dependency tree, would add nothing to them).
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import orjson

from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.entries import EntryKind, IdentityDocument
from portcullis.shared.screening.identifiers import is_valid_imo_number, normalize_imo_number
from portcullis.watchlist.sources.parsing import (
    MAX_DOCUMENTS,
    ListFormatError,
    ParsedList,
    country_codes,
    document,
    entry_id,
    iso_date,
    plausible_year,
    reject,
    split_names,
)

FILE = "entities.ftm.json"
#: FollowTheMoney schemas that are listed parties; the others (Address, Sanction, Ownership ...) describe them.
_KINDS: dict[str, EntryKind] = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "LegalEntity": "organization",
    "PublicBody": "organization",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
_DOCUMENTS = (("passportNumber", "passport"), ("idNumber", "national_id"), ("taxNumber", "tax_id"))
_ORGANIZATION_IDS = (("registrationNumber", "registration"), ("taxNumber", "tax_id"), ("imoNumber", "imo_company"))

Parser = Callable[[Mapping[str, str]], ParsedList]


def ftm_parser(prefix: str, list_name: str) -> Parser:
    """A parser of FollowTheMoney JSON lines whose entries are `<prefix>:<entity id>` on the list `list_name`."""

    def parse(files: Mapping[str, str]) -> ParsedList:
        parsed = ParsedList()
        changes: list[str] = []
        for number, line in enumerate(files[FILE].splitlines(), start=1):
            if not line.strip():
                continue
            entity = _entity(line, number)
            kind = _KINDS.get(str(entity.get("schema")))
            if kind is None or entity.get("target") is False:
                continue  # addresses, sanctions, relations; and the non-listed entities they mention
            identifier = entry_id(prefix, str(entity.get("id") or ""))
            if identifier is None:
                parsed.rejections.append(reject(f"line {number}", "id", f"not a usable id: {entity.get('id')!r}"))
                continue
            made = _entry(identifier, list_name, kind, entity)
            if made is None:
                parsed.rejections.append(reject(identifier, f"line {number}.properties.name", "no name"))
                continue
            parsed.entries.append(made)
            if isinstance(entity.get("last_change"), str):
                changes.append(entity["last_change"])
        parsed.published = max(changes) if changes else None
        return parsed

    return parse


def _entity(line: str, number: int) -> dict[str, Any]:
    try:
        entity = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise ListFormatError(FILE, f"line {number}: not JSON ({error})") from error
    if not isinstance(entity, dict) or not isinstance(entity.get("properties", {}), dict):
        raise ListFormatError(FILE, f"line {number}: not a FollowTheMoney entity ({{id, schema, properties}})")
    return entity


def _values(properties: Mapping[str, Any], name: str) -> list[str]:
    values = properties.get(name) or []
    return [str(value) for value in values] if isinstance(values, list) else [str(values)]


def _entry(identifier: str, list_name: str, kind: EntryKind, entity: Mapping[str, Any]) -> WatchlistEntry | None:
    properties: Mapping[str, Any] = entity.get("properties") or {}
    caption = [str(entity["caption"])] if entity.get("caption") else []
    names = split_names(caption + _values(properties, "name") + _values(properties, "alias"))
    if names is None:
        return None
    name, aliases = names
    datasets = ", ".join(str(d) for d in entity.get("datasets") or [])
    position = _values(properties, "position")
    reason = f"{list_name}" + (f" ({datasets})" if datasets else "") + (f"; {position[0]}" if position else "")
    common = {"entry_id": identifier, "list_name": list_name, "name": name, "aliases": aliases}
    common["reason"] = " ".join(reason.split())[:1000]
    countries = country_codes(_values(properties, "nationality") + _values(properties, "citizenship"))
    if kind == "person":
        birth_dates, birth_years = _births(_values(properties, "birthDate"))
        return WatchlistEntry(
            **common,
            kind="person",
            birth_dates=birth_dates,
            birth_years=birth_years,
            nationalities=countries or country_codes(_values(properties, "country")),
            documents=_documents(properties, _DOCUMENTS),
        )
    if kind == "vessel":
        imo = next((n for n in (normalize_imo_number(v) for v in _values(properties, "imoNumber")) if n), None)
        return WatchlistEntry(
            **common,
            kind="vessel",
            nationalities=country_codes(_values(properties, "flag")),
            imo_number=imo if imo and is_valid_imo_number(imo) else None,
        )
    if kind == "aircraft":
        return WatchlistEntry(**common, kind="aircraft")
    return WatchlistEntry(
        **common,
        kind="organization",
        nationalities=country_codes(
            _values(properties, "country") + _values(properties, "jurisdiction") + _values(properties, "mainCountry")
        ),
        documents=_documents(properties, _ORGANIZATION_IDS),
    )


def _births(values: list[str]) -> tuple[tuple[date, ...], tuple[int, ...]]:
    dates: list[date] = []
    years: list[int] = []
    for value in values:
        exact = iso_date(value) if len(value) >= 10 else None
        if exact is not None and exact <= date.today():
            dates.append(exact)
        elif (year := plausible_year(value[:4])) is not None:
            years.append(year)  # `1971` or `1971-01`: the year is what is known
    return tuple(dict.fromkeys(dates))[:50], tuple(dict.fromkeys(years))[:50]


def _documents(properties: Mapping[str, Any], kinds: tuple[tuple[str, str], ...]) -> tuple[IdentityDocument, ...]:
    made = [document(kind, number) for name, kind in kinds for number in _values(properties, name)]
    return tuple(dict.fromkeys(d for d in made if d is not None))[:MAX_DOCUMENTS]
