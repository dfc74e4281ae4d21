"""Synthetic advance passenger records: real airports and carriers, plausible flights and travellers.

Passengers share flights (about 40 per flight, as a carrier's API message lists a flight's passengers);
flight times follow great-circle distances; names come from the region of the route or of anywhere else, with
their usual spelling variants; document numbers follow each issuing country's format. A chosen share of
records carries one planted risk, recorded in the ground truth: a person of the sanctions list (name variant,
listed date of birth and nationality when known), a document that expires before arrival, or an odd route.
"""

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from portcullis.shared.reference import Airport, airports
from portcullis.shared.schemas.codes import COUNTRY_CODES
from portcullis.shared.schemas.passenger import MAX_AGE_YEARS, PassengerRecord
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.synthetic.documents import ID_CARD_FORMATS, document_number
from portcullis.shared.synthetic.names import REGIONS, NameRegion, spellings
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow
from portcullis.shared.synthetic.variants import listed_name_variant

STREAM = "passenger"
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)
PASSENGERS_PER_FLIGHT = 40
#: An itinerary longer than this many times the direct distance is "odd" (planted); clean ones stay under 1.6.
ODD_ROUTE_RATIO = 2.5
_CLEAN_ROUTE_RATIO = 1.6
#: Longest non-stop flight generated (the longest scheduled ones are about 15,000 km).
MAX_FLIGHT_KM = 13_500

#: International hubs the generated flights connect (all in data/reference/airports.csv).
HUB_AIRPORTS: tuple[str, ...] = tuple(
    """LHR CDG FRA AMS MAD FCO MUC IST ZRH VIE CPH DUB LIS BRU WAW ATH HEL OSL ARN PRG BCN JFK LAX ORD ATL DFW SFO
    MIA YYZ YVR MEX IAD BOS SEA GRU EZE BOG LIM SCL PTY GIG CUN DXB DOH AUH RUH JED TLV AMM CAI BAH MCT IKA BEY SIN
    HKG NRT HND ICN PEK PVG CAN BKK KUL DEL BOM CGK MNL TPE SGN HAN KHI ISB DAC CMB KTM BLR JNB ADD NBO LOS ACC CMN
    ALG TUN DKR CPT DAR ABV KRT SYD MEL AKL BNE PER SVO LED TAS ALA GYD EVN TBS KBL DAM BGW CCS HAV FIH""".split()  # noqa: SIM905
)
#: Real IATA airline designators by home country; flights use one of the departure or arrival country's.
CARRIERS: dict[str, tuple[str, ...]] = {
    "GB": ("BA", "VS"), "FR": ("AF",), "DE": ("LH", "EW"), "NL": ("KL",), "ES": ("IB", "UX"), "IT": ("AZ",),
    "TR": ("TK", "PC"), "CH": ("LX",), "AT": ("OS",), "DK": ("SK",), "IE": ("EI",), "PT": ("TP",), "BE": ("SN",),
    "PL": ("LO",), "GR": ("A3",), "FI": ("AY",), "US": ("AA", "DL", "UA"), "CA": ("AC", "WS"), "MX": ("AM",),
    "BR": ("LA", "G3", "AD"), "AR": ("AR",), "CO": ("AV",), "PE": ("LA",), "CL": ("LA",), "PA": ("CM",),
    "AE": ("EK", "EY", "FZ"), "QA": ("QR",), "SA": ("SV",), "IL": ("LY",), "JO": ("RJ",), "EG": ("MS",),
    "BH": ("GF",), "OM": ("WY",), "IR": ("IR", "W5"), "LB": ("ME",), "SG": ("SQ",), "HK": ("CX",), "JP": ("NH", "JL"),
    "KR": ("KE", "OZ"), "CN": ("CA", "MU", "CZ"), "TH": ("TG",), "MY": ("MH",), "IN": ("AI", "6E"), "ID": ("GA",),
    "PH": ("PR",), "TW": ("CI", "BR"), "VN": ("VN",), "PK": ("PK",), "BD": ("BG",), "LK": ("UL",), "ZA": ("SA",),
    "ET": ("ET",), "KE": ("KQ",), "NG": ("P4",), "MA": ("AT",), "AU": ("QF", "VA"), "NZ": ("NZ",), "RU": ("SU",),
    "UZ": ("HY",), "KZ": ("KC",), "AZ": ("J2",), "GE": ("A9",), "AM": ("RM",),
}  # fmt: skip
_GLOBAL_CARRIERS = ("EK", "QR", "TK", "LH", "AF", "BA", "EY", "SQ")
_LOCATOR_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "01IO")
_SEAT_LETTERS = "ABCDEFGHJK"


@dataclass(frozen=True, slots=True)
class _Flight:
    carrier: str
    number: str
    departure: Airport
    arrival: Airport
    departs: datetime
    arrives: datetime
    upper_case_names: bool


def generate_passengers(
    count: int,
    seed: int = 0,
    planted_share: float = 0.05,
    watchlist: Sequence[WatchlistEntry] = (),
    start: datetime = DEFAULT_START,
    days: int = 7,
) -> Synthetic[PassengerRecord]:
    """`count` records on flights in the `days` from `start`, `planted_share` of them planted; fixed by the seed."""
    rng = random.Random(seed)
    planted = _planted_indices(rng, count, planted_share)
    persons = sorted((e for e in watchlist if e.kind == "person"), key=lambda e: e.entry_id)
    flights = [_flight(rng, start, days) for _ in range(max(1, -(-count // PASSENGERS_PER_FLIGHT)))]
    seen_flights: set[tuple[str, str, date]] = set()
    items: list[PassengerRecord] = []
    truth: list[TruthRow] = []
    for index in range(count):
        flight = flights[index // PASSENGERS_PER_FLIGHT]
        key = (flight.carrier, flight.number, flight.departs.date())
        seen_flights.add(key)
        record_id = f"{flight.carrier}{flight.number}-{flight.departs:%Y%m%d}-{index:06d}"
        document = _traveller(rng, flight, record_id)
        kinds: tuple[PlantedKind, ...] = ()
        entry_id = detail = ""
        if index in planted:
            kind = _planted_kind(rng, bool(persons))
            entry_id, detail = _plant(rng, kind, document, flight, persons)
            kinds = (kind,)
        if flight.upper_case_names:
            document["surname"] = str(document["surname"]).upper()
            document["given_names"] = str(document["given_names"]).upper()
        items.append(PassengerRecord.model_validate(document))
        truth.append(TruthRow(STREAM, record_id, record_id, kinds, entry_id, detail))
    return Synthetic(items, truth)


def _planted_indices(rng: random.Random, count: int, share: float) -> set[int]:
    if not 0 <= share <= 1:
        raise ValueError("planted_share must be between 0 and 1")
    return set(rng.sample(range(count), round(count * share)))


def _planted_kind(rng: random.Random, have_persons: bool) -> PlantedKind:
    kinds = [PlantedKind.EXPIRED_DOCUMENT, PlantedKind.ODD_ROUTE]
    weights = [35, 25]
    if have_persons:
        kinds.append(PlantedKind.SDN_PERSON)
        weights.append(40)
    return rng.choices(kinds, weights)[0]


def _flight(rng: random.Random, start: datetime, days: int) -> _Flight:
    table = airports()
    departure = table[rng.choice(HUB_AIRPORTS)]
    arrival = departure
    while arrival.iata == departure.iata or not 300 <= departure.distance_km(arrival) <= MAX_FLIGHT_KM:
        arrival = table[rng.choice(HUB_AIRPORTS)]
    minutes = 30 + departure.distance_km(arrival) / 820 * 60
    duration = timedelta(minutes=round(minutes / 5) * 5)
    departs_utc = start + timedelta(minutes=5 * rng.randrange(days * 24 * 12))
    carriers = CARRIERS.get(departure.country, ()) + CARRIERS.get(arrival.country, ())
    return _Flight(
        carrier=rng.choice(carriers or _GLOBAL_CARRIERS),
        number=str(rng.randint(1, 2999)),
        departure=departure,
        arrival=arrival,
        departs=departs_utc.astimezone(ZoneInfo(departure.tz)),
        arrives=(departs_utc + duration).astimezone(ZoneInfo(arrival.tz)),
        upper_case_names=rng.random() < 0.35,
    )


_REGION_OF_COUNTRY: dict[str, NameRegion] = {
    country: region for region in REGIONS for country, _ in region.nationalities
}


def _traveller(rng: random.Random, flight: _Flight, record_id: str) -> dict[str, object]:
    local = [_REGION_OF_COUNTRY.get(a.country) for a in (flight.departure, flight.arrival)]
    local_regions = [region for region in local if region is not None]
    region = rng.choice(local_regions) if local_regions and rng.random() < 0.6 else rng.choice(REGIONS)
    countries, weights = zip(*region.nationalities, strict=True)
    nationality = rng.choices(countries, weights)[0]
    sex = rng.choices("MFXU", (49, 49, 1, 1))[0]
    given_pool = region.male if sex == "M" else region.female if sex == "F" else region.male + region.female
    given = " ".join(_spelling(rng, rng.choice(given_pool)) for _ in range(1 if rng.random() < 0.7 else 2))
    surname = _spelling(rng, rng.choice(region.family))
    if region.name in ("latin_america", "southern_europe") and rng.random() < 0.4:
        surname = f"{surname} {_spelling(rng, rng.choice(region.family))}"
    age_years = min(max(rng.gauss(40, 16), 0.3), 90)
    born = flight.departs.date() - timedelta(days=int(age_years * 365.25))
    identity_card = nationality in ID_CARD_FORMATS and rng.random() < 0.12
    itinerary = _itinerary(rng, flight)
    return {
        "record_id": record_id,
        "carrier": flight.carrier,
        "flight_number": flight.number,
        "departure_airport": flight.departure.iata,
        "arrival_airport": flight.arrival.iata,
        "scheduled_departure": flight.departs.isoformat(),
        "scheduled_arrival": flight.arrives.isoformat(),
        "surname": surname,
        "given_names": given,
        "date_of_birth": born.isoformat(),
        "sex": sex,
        "nationality": nationality,
        "document": {
            "type": "I" if identity_card else "P",
            "number": document_number(rng, nationality, identity_card),
            "issuing_country": nationality,
            "expiry_date": (flight.arrives.date() + timedelta(days=rng.randint(30, 3650))).isoformat(),
        },
        "itinerary": itinerary,
        "booking_reference": "".join(rng.choices(_LOCATOR_ALPHABET, k=6)),
        "seat": f"{rng.randint(1, 60)}{rng.choice(_SEAT_LETTERS)}" if rng.random() < 0.9 else None,
        "checked_bags": rng.choices((0, 1, 2, 3), (30, 50, 15, 5))[0],
    }


def _spelling(rng: random.Random, entry: str) -> str:
    options = spellings(entry)
    return options[0] if len(options) == 1 or rng.random() < 0.7 else rng.choice(options[1:])


def _route_ratio(codes: Sequence[str]) -> float:
    table = airports()
    flown = sum(table[a].distance_km(table[b]) for a, b in pairwise(codes))
    return flown / max(table[codes[0]].distance_km(table[codes[-1]]), 1.0)


def _itinerary(rng: random.Random, flight: _Flight) -> list[str]:
    direct = [flight.departure.iata, flight.arrival.iata]
    roll = rng.random()
    if roll >= 0.25:
        return direct
    for _ in range(20):
        other = rng.choice(HUB_AIRPORTS)
        if other in direct:
            continue
        candidate = [other, *direct] if roll < 0.2 else [*direct, other]
        if _route_ratio(candidate) <= _CLEAN_ROUTE_RATIO:
            return candidate
    return direct


def _plant(
    rng: random.Random,
    kind: PlantedKind,
    document: dict[str, object],
    flight: _Flight,
    persons: Sequence[WatchlistEntry],
) -> tuple[str, str]:
    """Change `document` to carry the planted risk; return the watchlist entry id and a description."""
    travel_document = document["document"]
    assert isinstance(travel_document, dict)
    if kind is PlantedKind.EXPIRED_DOCUMENT:
        days = rng.randint(1, 400)
        travel_document["expiry_date"] = (flight.arrives.date() - timedelta(days=days)).isoformat()
        return "", f"document expired {days} days before arrival"
    if kind is PlantedKind.ODD_ROUTE:
        return "", _plant_odd_route(rng, document, flight)
    for _ in range(20):
        entry = rng.choice(persons)
        name = listed_name_variant(rng, entry)
        if name is not None:
            break
    else:
        raise ValueError("no usable person name in the watchlist")
    document["surname"], document["given_names"] = name.surname, name.given_names
    facts = [name.variant]
    oldest = flight.departs.date() - timedelta(days=int(365.25 * (MAX_AGE_YEARS - 1)))
    birth_dates = [d for d in entry.birth_dates if oldest < d < flight.departs.date()]
    if birth_dates:
        document["date_of_birth"] = rng.choice(birth_dates).isoformat()
        facts.append("listed date of birth")
    elif entry.birth_years and oldest.year < entry.birth_years[0] < flight.departs.year:
        born = date(entry.birth_years[0], rng.randint(1, 12), rng.randint(1, 28))
        document["date_of_birth"] = born.isoformat()
        facts.append("listed year of birth")
    nationalities = [c for c in entry.nationalities if c in COUNTRY_CODES]
    if nationalities:
        document["nationality"] = travel_document["issuing_country"] = rng.choice(nationalities)
        travel_document["type"] = "P"
        travel_document["number"] = document_number(rng, str(document["nationality"]))
        facts.append("listed nationality")
    return entry.entry_id, "; ".join(facts)


def _plant_odd_route(rng: random.Random, document: dict[str, object], flight: _Flight) -> str:
    best: list[str] = []
    best_ratio = 0.0
    direct = [flight.departure.iata, flight.arrival.iata]
    for _ in range(60):
        first, second = rng.sample(HUB_AIRPORTS, 2)
        if first in direct or second in direct:
            continue
        candidate = [first, second, *direct]
        ratio = _route_ratio(candidate)
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
        if ratio >= ODD_ROUTE_RATIO:
            break
    document["itinerary"] = best
    return f"itinerary {'-'.join(best)} flies {best_ratio:.1f} times the direct distance"
