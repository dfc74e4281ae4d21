"""Parser of the OFAC SDN list in its legacy CSV layout (sdn.csv and alt.csv, no header, `-0-` = missing)."""

import csv
import re
from collections import defaultdict
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pycountry

from portcullis.shared.logging import get_logger
from portcullis.shared.screening.entries import EntryKind, IdentityDocument, WatchlistEntry
from portcullis.shared.screening.identifiers import normalize_imo_number

log = get_logger(__name__)

LIST_NAME = "OFAC SDN"
_MISSING = "-0-"
_KINDS: dict[str, EntryKind] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
# Country names as OFAC writes them that pycountry does not know by that spelling.
_COUNTRY_ALIASES = {
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "korea, north": "KP",
    "north korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "the gambia": "GM",
    "gambia": "GM",
    "burma": "MM",
    "laos": "LA",
    "vietnam": "VN",
    "moldova": "MD",
    "palestinian": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "taiwan": "TW",
    "turkey": "TR",
    "macau": "MO",
    "kosovo": "XK",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "cote d'ivoire": "CI",
    "czech republic": "CZ",
    "united kingdom": "GB",
    "united states": "US",
    "bahamas, the": "BS",
    "micronesia, federated states of": "FM",
    "st. kitts and nevis": "KN",
    "saint kitts and nevis": "KN",
    "st. vincent and the grenadines": "VC",
    "saint vincent and the grenadines": "VC",
    "brunei": "BN",
    "cabo verde": "CV",
    "eswatini": "SZ",
}
_DOB_RE = re.compile(r"\bDOB ([^;]+?)\s*(?:;|\.\s*$|$)")
_NATIONALITY_RE = re.compile(r"\b(?:nationality|citizen) ([^;.]+?)\s*(?:;|\.\s*$|$)")
_DOCUMENT_RE = re.compile(
    r"\b(Passport|National ID No\.|Cedula No\.|Tax ID No\.|Registration ID) ([A-Za-z0-9][A-Za-z0-9\-/]*)"
    r"(?: \(([^)]+)\))?"
)
_DOCUMENT_KINDS = {
    "Passport": "passport",
    "National ID No.": "national_id",
    "Cedula No.": "national_id",
    "Tax ID No.": "tax_id",
    "Registration ID": "registration",
}
_IMO_RE = re.compile(r"\bIMO (\d{7})\b")
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@lru_cache(maxsize=1024)
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name as OFAC writes it, or None."""
    cleaned = name.strip().rstrip(".").strip()
    alias = _COUNTRY_ALIASES.get(cleaned.lower())
    if alias:
        return alias
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        return None


def natural_person_name(name: str) -> str:
    """`SURNAME, Given Names` as `Given Names SURNAME` (OFAC writes individuals surname first)."""
    surname, comma, given = name.partition(",")
    if not comma or not given.strip():
        return name.strip()
    return f"{given.strip()} {surname.strip()}"


def parse_birth_dates(remarks: str) -> tuple[tuple[date, ...], tuple[int, ...]]:
    """Full dates and bare years of birth from remarks (`DOB 10 Dec 1948`, `DOB 1948`, `DOB circa 1950`, ranges)."""
    dates: list[date] = []
    years: list[int] = []
    for value in _DOB_RE.findall(remarks):
        circa = value.startswith("circa")
        text = value.removeprefix("circa").strip()
        found_years = [int(y) for y in _YEAR_RE.findall(text)]
        if not found_years:
            continue
        if not circa and " to " not in text and "-" not in text:
            try:
                dates.append(datetime.strptime(text, "%d %b %Y").date())
                continue
            except ValueError:
                pass
        first, last = min(found_years), max(found_years)
        if circa:
            first, last = first - 1, last + 1
        years.extend(range(first, last + 1))
    return tuple(dict.fromkeys(dates)), tuple(dict.fromkeys(years))


def parse_nationalities(remarks: str) -> tuple[str, ...]:
    """ISO codes of the nationalities and citizenships in remarks."""
    codes = (country_code(name) for name in _NATIONALITY_RE.findall(remarks))
    return tuple(dict.fromkeys(code for code in codes if code))


def parse_documents(remarks: str) -> tuple[IdentityDocument, ...]:
    """Passports, national ids, tax ids and registration numbers in remarks."""
    documents = []
    for label, number, country in _DOCUMENT_RE.findall(remarks):
        code = country_code(country) if country else None
        documents.append(IdentityDocument(kind=_DOCUMENT_KINDS[label], number=number, country=code))
    return tuple(dict.fromkeys(documents))


def _value(field: str) -> str:
    value = field.strip()
    return "" if value == _MISSING else value


def _rows(path: Path, width: int) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        # The files end with a DOS end-of-file byte (0x1A) on a line of its own.
        return [row for row in csv.reader(handle) if len(row) == width]


def load_ofac_sdn(directory: Path) -> list[WatchlistEntry]:
    """Read sdn.csv and alt.csv of an OFAC SDN legacy CSV export into watchlist entries."""
    aliases: dict[str, list[str]] = defaultdict(list)
    alias_rows = _rows(directory / "alt.csv", 5)
    for ent_num, _alt_num, _alt_type, alt_name, _alt_remarks in alias_rows:
        if _value(alt_name):
            aliases[ent_num.strip()].append(_value(alt_name))
    entries = []
    for row in _rows(directory / "sdn.csv", 12):
        ent_num, name, sdn_type, program, title = (_value(v) for v in row[:5])
        vessel_flag, remarks = _value(row[9]), _value(row[11])
        kind = _KINDS.get(sdn_type, "organization")
        names = aliases.get(ent_num, [])
        if kind == "person":
            name = natural_person_name(name)
            names = [natural_person_name(alias) for alias in names]
        birth_dates, birth_years = parse_birth_dates(remarks)
        nationalities = parse_nationalities(remarks)
        flag = country_code(vessel_flag) if vessel_flag else None
        if flag and flag not in nationalities:
            nationalities = (flag, *nationalities)
        imo = _IMO_RE.search(remarks)
        documents = parse_documents(remarks)
        ship_imo = None
        if imo and kind == "vessel":
            ship_imo = normalize_imo_number(imo.group(1))
        elif imo:
            # Shipping companies carry an IMO company number: an identifier, but not a ship's.
            documents = (*documents, IdentityDocument(kind="imo_company", number=imo.group(1)))
        reason = _reason(program, title)
        entries.append(
            WatchlistEntry(
                entry_id=f"ofac-sdn:{ent_num}",
                list_name=LIST_NAME,
                kind=kind,
                name=name,
                aliases=tuple(names),
                reason=reason,
                birth_dates=birth_dates,
                birth_years=birth_years,
                nationalities=nationalities,
                documents=documents,
                imo_number=ship_imo,
            )
        )
    log.info("ofac_sdn_loaded", parties=len(entries), aliases=len(alias_rows))
    return entries


def _reason(program: str, title: str) -> str:
    """`OFAC SDN, programmes IRAN, NPWMD, IFSR; <title>`: the legacy file joins several programmes with `] [`."""
    programmes = [p.strip(" []") for p in program.split("] [") if p.strip(" []")]
    label = "programme" if len(programmes) == 1 else "programmes"
    return f"OFAC SDN, {label} {', '.join(programmes)}" + (f"; {title}" if title else "")
