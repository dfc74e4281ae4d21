"""The UK Sanctions List of the FCDO in its CSV layout: one line per name of a designation, grouped by Unique ID."""

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.entries import EntryKind, IdentityDocument
from portcullis.shared.screening.identifiers import normalize_imo_number
from portcullis.watchlist.sources.parsing import (
    MAX_DOCUMENTS,
    ListFormatError,
    ParsedList,
    country_codes,
    document,
    entry_id,
    plausible_year,
    reject,
    split_names,
)

PREFIX = "uk-sanctions"
LIST_NAME = "UK Sanctions List"
FILE = "UK-Sanctions-List.csv"
_HEADER_START = "Last Updated,Unique ID,"
_REQUIRED = ("Unique ID", "Name 6", "Name type", "Designation Type", "Regime Name")
_KINDS: dict[str, EntryKind] = {"individual": "person", "entity": "organization", "ship": "vessel"}
_PRIMARY = "primary name"


def parse_uk(files: Mapping[str, str]) -> ParsedList:
    """The designations of the list: individuals, entities and ships."""
    lines = files[FILE].splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines[:20]) if line.startswith(_HEADER_START)]
    if not starts:
        raise ListFormatError(FILE, f"no header line starting {_HEADER_START!r} in the first 20 lines")
    reader = csv.DictReader(io.StringIO("".join(lines[starts[0] :])))
    missing = [column for column in _REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        raise ListFormatError(FILE, f"the header lacks the columns {', '.join(missing)}")
    parsed = ParsedList(published=_report_date(lines[: starts[0]]))
    designations: dict[str, list[dict[str, str]]] = defaultdict(list)
    try:
        for row in reader:
            designations[(row.get("Unique ID") or "").strip()].append(row)
    except csv.Error as error:
        raise ListFormatError(FILE, f"not CSV at line {reader.line_num + starts[0]}: {error}") from error
    for unique_id, rows in designations.items():
        identifier = entry_id(PREFIX, unique_id)
        if identifier is None:
            parsed.rejections.append(reject(unique_id or "?", "Unique ID", f"not a usable id: {unique_id!r}"))
            continue
        kind = _KINDS.get(_first(rows, "Designation Type").lower())
        if kind is None:
            parsed.rejections.append(reject(identifier, "Designation Type", "not Individual, Entity or Ship"))
            continue
        primary = sorted(rows, key=lambda row: (row.get("Name type") or "").strip().lower() != _PRIMARY)
        names = split_names([_full_name(row) for row in primary] + _values(rows, "Name non-latin script"))
        if names is None:
            parsed.rejections.append(reject(identifier, "Name 6", "the designation has no name"))
            continue
        parsed.entries.append(_entry(identifier, kind, names, rows))
    return parsed


def _entry(
    identifier: str, kind: EntryKind, names: tuple[str, tuple[str, ...]], rows: list[dict[str, str]]
) -> WatchlistEntry:
    name, aliases = names
    reason = " ".join(f"{LIST_NAME}, {_first(rows, 'Regime Name')}, {identifier.partition(':')[2]}".split())
    common = {"entry_id": identifier, "list_name": LIST_NAME, "name": name, "aliases": aliases, "reason": reason}
    if kind == "vessel":
        imo = _first(rows, "IMO number").upper().removeprefix("IMO").strip()
        return WatchlistEntry(
            **common,
            kind="vessel",
            nationalities=country_codes(_values(rows, "Current believed flag of ship")),
            imo_number=normalize_imo_number(imo) if imo else None,
        )
    documents = _documents(rows)
    if kind == "organization":
        return WatchlistEntry(
            **common, kind="organization", nationalities=country_codes(_values(rows, "Address Country"))
        )
    birth_dates, birth_years = _births(_values(rows, "D.O.B"))
    return WatchlistEntry(
        **common,
        kind="person",
        birth_dates=birth_dates,
        birth_years=birth_years,
        nationalities=country_codes(_values(rows, "Nationality(/ies)")),
        documents=documents,
    )


def _full_name(row: dict[str, str]) -> str:
    # Name 6 is the surname (or an entity's or ship's whole name); Names 1 to 5 come before it.
    return " ".join((row.get(f"Name {n}") or "").strip() for n in (1, 2, 3, 4, 5, 6))


def _values(rows: list[dict[str, str]], column: str) -> list[str]:
    return list(dict.fromkeys(value for row in rows if (value := (row.get(column) or "").strip())))


def _first(rows: list[dict[str, str]], column: str) -> str:
    values = _values(rows, column)
    return values[0] if values else ""


def _births(values: list[str]) -> tuple[tuple[date, ...], tuple[int, ...]]:
    dates: list[date] = []
    years: list[int] = []
    for value in values:
        try:
            born = datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            year = plausible_year(value[-4:])  # dd/mm/1950: the year only
            if year is not None:
                years.append(year)
            continue
        if born <= date.today():
            dates.append(born)
    return tuple(dict.fromkeys(dates))[:50], tuple(dict.fromkeys(years))[:50]


def _documents(rows: list[dict[str, str]]) -> tuple[IdentityDocument, ...]:
    documents = [
        document(kind, number)
        for column, kind in (("Passport number", "passport"), ("National Identifier number", "national_id"))
        for number in _values(rows, column)
    ]
    return tuple(dict.fromkeys(d for d in documents if d is not None))[:MAX_DOCUMENTS]


def _report_date(preamble: list[str]) -> str | None:
    for line in preamble:
        label, _, value = line.partition(":")
        if label.strip().lower() == "report date":
            try:
                return datetime.strptime(value.strip().strip(","), "%d-%b-%Y").date().isoformat()
            except ValueError:
                return value.strip() or None
    return None
