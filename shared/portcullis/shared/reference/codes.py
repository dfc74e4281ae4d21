"""Loaders of the vendored code lists (see data/reference/README.md for their sources and licences).

Each list is read once per process, on first use, and kept: nothing is read at import time.
"""

import csv
import gzip
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_REPOSITORY_DATA = Path(__file__).resolve().parents[4] / "data" / "reference"
_EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Airport:
    """An airport with an IATA location code."""

    iata: str
    country: str
    lat: float
    lon: float
    tz: str

    def distance_km(self, other: "Airport") -> float:
        """Great-circle distance to another airport."""
        return _great_circle_km(self.lat, self.lon, other.lat, other.lon)


@dataclass(frozen=True, slots=True)
class Port:
    """A container seaport with its UN/LOCODE; `role` is `hub` (transshipment, gateway) or `regional`."""

    locode: str
    name: str
    country: str
    lat: float
    lon: float
    role: str

    def distance_km(self, other: "Port") -> float:
        """Great-circle distance to another port (sailing distances are longer)."""
        return _great_circle_km(self.lat, self.lon, other.lat, other.lon)


def reference_dir() -> Path:
    """The folder of the code lists: PORTCULLIS_REFERENCE_DIR, else the repository's `data/reference`."""
    configured = os.environ.get("PORTCULLIS_REFERENCE_DIR")
    return Path(configured) if configured else _REPOSITORY_DATA


@cache
def airports() -> dict[str, Airport]:
    """Every airport with an IATA code, keyed by that code."""
    with (reference_dir() / "airports.csv").open(encoding="utf-8", newline="") as file:
        return {
            row["iata"]: Airport(
                iata=row["iata"],
                country=row["country"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                tz=row["tz"],
            )
            for row in csv.DictReader(file)
        }


@cache
def ports() -> dict[str, Port]:
    """The curated container seaports, keyed by UN/LOCODE."""
    with (reference_dir() / "ports.csv").open(encoding="utf-8", newline="") as file:
        return {
            row["locode"]: Port(
                locode=row["locode"],
                name=row["name"],
                country=row["country"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                role=row["role"],
            )
            for row in csv.DictReader(file)
        }


@cache
def _locodes() -> frozenset[str]:
    codes: set[str] = set()
    with gzip.open(reference_dir() / "unlocode-codes.txt.gz", "rt", encoding="utf-8") as file:
        for line in file:
            if line.startswith("#") or not line.strip():
                continue
            country, *locations = line.split()
            codes.update(country + location for location in locations)
    return frozenset(codes | ports().keys())


def is_known_airport(code: str) -> bool:
    """Whether `code` is the IATA code of an airport."""
    return code in airports()


def is_known_locode(code: str) -> bool:
    """Whether `code` (five characters, no space) is a UN/LOCODE location."""
    return code in _locodes()


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(a))
