"""Loaders of the code lists: IATA airports from the `airportsdata` package, UN/LOCODE locations and the curated
container ports from this package's data (`reference/data/README.md` gives their sources and licences).

Both travel with the installed packages (no path into the repository), so an image or a wheel has them. Each list
is read once per process, on first use, and kept: nothing is read at import time.
"""

import csv
import gzip
import io
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import airportsdata

_DATA_PACKAGE = "portcullis.shared.reference"
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


def reference_data(name: str) -> bytes:
    """The bytes of one of this package's data files (`ports.csv`, `unlocode-codes.txt.gz`)."""
    return resources.files(_DATA_PACKAGE).joinpath("data", name).read_bytes()


@cache
def airports() -> dict[str, Airport]:
    """Every airport with an IATA code, keyed by that code (coordinates rounded to 0.01 degrees)."""
    return {
        code: Airport(
            iata=code,
            country=row["country"],
            lat=round(float(row["lat"]), 2),
            lon=round(float(row["lon"]), 2),
            tz=row["tz"],
        )
        for code, row in sorted(airportsdata.load("IATA").items())
    }


@cache
def ports() -> dict[str, Port]:
    """The curated container seaports, keyed by UN/LOCODE."""
    with io.StringIO(reference_data("ports.csv").decode("utf-8"), newline="") as file:
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
    text = gzip.decompress(reference_data("unlocode-codes.txt.gz")).decode("utf-8")
    for line in text.splitlines():
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
