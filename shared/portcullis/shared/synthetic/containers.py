"""Synthetic container events: journeys of real-looking containers between real ports, in time order.

A journey is gate-in and loading at the port of loading, a transshipment event at each hub it changes vessel
in, discharge and gate-out at the port of discharge. Container numbers carry real carriers' and lessors' owner
codes and valid ISO 6346 check digits; vessels valid IMO check digits; ports are real UN/LOCODEs on real trade
lanes; sailing times follow distances; verified gross masses stay within a few percent of the declared weight,
which is tare plus a cargo weight that suits the goods. A chosen share of journeys carries one planted risk,
recorded per event in the ground truth: a vessel of the sanctions list (its IMO number), a verified gross mass
far from the declared weight, seals changed on the way, or a route through a port in a sanctioned jurisdiction.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

from portcullis.shared.reference import Port, ports
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.identifiers import container_check_digit, imo_check_digit
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow

STREAM = "container"
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)
#: Relative difference between verified gross mass and declared weight above which a journey is planted.
WEIGHT_TOLERANCE = 0.05
#: Ports in comprehensively sanctioned jurisdictions (Iran, North Korea, Syria, Cuba): "listed ports".
LISTED_PORTS: tuple[str, ...] = ("IRBND", "KPNAM", "SYLTK", "SYTTS", "CUMAR")
_KM_PER_DAY = 650.0  # about 15 knots, with the usual detour of a sea route over the great circle

_ASIA = ("CNSHA", "CNNGB", "CNSZX", "CNYTN", "CNTAO", "CNXMN", "CNTXG", "KRPUS", "VNSGN", "THLCH", "TWKHH", "HKHKG")
_EUROPE = ("NLRTM", "BEANR", "DEHAM", "DEBRV", "GBFXT", "FRLEH", "ESVLC", "GRPIR", "ITGOA", "PLGDN", "SEGOT")
_US_EAST = ("USNYC", "USSAV", "USCHS", "USORF", "USHOU")


@dataclass(frozen=True)
class _Lane:
    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    hubs: tuple[str, ...]
    weight: int
    cargo: tuple[str, ...]


LANES: tuple[_Lane, ...] = (
    _Lane(_ASIA, _EUROPE, ("SGSIN", "MYTPP", "LKCMB", "AEJEA", "OMSLL", "EGPSD", "MAPTM", "ESALG"), 30,
          ("garments", "electronics", "furniture", "toys", "machinery")),
    _Lane(_ASIA, ("USLAX", "USLGB", "USSEA", "CAVAN", "MXZLO"), ("KRPUS", "JPYOK", "TWKHH"), 25,
          ("garments", "electronics", "furniture", "toys", "auto_parts")),
    _Lane(_ASIA, _US_EAST, ("PABLB", "PAMIT", "SGSIN", "EGPSD"), 10, ("electronics", "furniture", "machinery")),
    _Lane(_EUROPE, (*_US_EAST, "CAMTR"), ("ESALG", "PTSIE"), 10, ("machinery", "chemicals", "beverages", "steel")),
    _Lane(_EUROPE, ("BRSSZ", "ARBUE", "COCTG", "ECGYE", "PECLL", "CLSAI"), ("ESALG", "PAMIT", "MAPTM"), 8,
          ("machinery", "chemicals", "auto_parts")),
    _Lane(_ASIA, ("AEJEA", "QAHMD", "KWSWK", "SAJED", "IQUQR"), ("SGSIN", "LKCMB", "INNSA"), 7,
          ("steel", "electronics", "tiles", "furniture")),
    _Lane(_ASIA, ("ZADUR", "KEMBA", "TZDAR", "NGAPP", "GHTEM", "CIABJ", "DJJIB"), ("SGSIN", "LKCMB", "AEJEA"), 5,
          ("steel", "garments", "tyres", "machinery")),
    _Lane(("ECGYE", "COCTG", "CLSAI", "BRSSZ"), _EUROPE, ("PAMIT", "ESALG"), 5, ("fruit", "seafood", "coffee")),
)  # fmt: skip

#: HS subheadings by kind of cargo, with the share of a container's payload the cargo fills by weight.
CARGO: dict[str, tuple[tuple[str, ...], float, float]] = {
    "garments": (("610910", "620462", "611030", "640399", "420292"), 0.15, 0.45),
    "electronics": (("851762", "847130", "852872", "850440", "854143"), 0.2, 0.5),
    "furniture": (("940360", "940161", "940350", "940490"), 0.2, 0.45),
    "toys": (("950300", "950490", "392690"), 0.15, 0.4),
    "machinery": (("842959", "848180", "841370", "843149"), 0.5, 0.9),
    "auto_parts": (("870899", "870829", "401110", "851140"), 0.5, 0.85),
    "chemicals": (("290512", "390110", "380894", "320890"), 0.6, 0.95),
    "steel": (("730890", "721049", "731815", "720839"), 0.7, 0.97),
    "tiles": (("690721", "690722", "680221"), 0.8, 0.98),
    "tyres": (("401110", "401120"), 0.3, 0.55),
    "beverages": (("220421", "220830", "220300"), 0.7, 0.95),
    "fruit": (("080390", "080440", "080610"), 0.7, 0.9),
    "seafood": (("030617", "030389", "160420"), 0.7, 0.9),
    "coffee": (("090111", "180100"), 0.75, 0.95),
}
_REEFER_CARGO = ("fruit", "seafood")
#: ISO 6346 size-type codes with (share of boxes, tare range kg, maximum gross kg).
SIZE_TYPES: dict[str, tuple[int, tuple[int, int], int]] = {
    "22G1": (30, (2150, 2350), 30480),
    "42G1": (15, (3650, 3900), 30480),
    "45G1": (45, (3800, 4050), 32500),
    "22R1": (3, (2900, 3100), 30480),
    "45R1": (7, (4500, 4800), 32500),
}
#: Carriers: their container owner codes and how their ships are named.
CARRIERS: dict[str, tuple[tuple[str, ...], str]] = {
    "MSC": (("MSCU", "MEDU"), "MSC"), "Maersk": (("MAEU", "MSKU", "MRKU"), "MAERSK"),
    "CMA CGM": (("CMAU", "CGMU"), "CMA CGM"), "COSCO": (("COSU", "CSNU", "CBHU"), "COSCO SHIPPING"),
    "Hapag-Lloyd": (("HLXU", "HLBU"), "HAPAG"), "ONE": (("ONEU", "NYKU"), "ONE"),
    "Evergreen": (("EGHU", "EISU", "EMCU"), "EVER"), "HMM": (("HDMU",), "HMM"), "Yang Ming": (("YMLU",), "YM"),
    "ZIM": (("ZIMU",), "ZIM"), "OOCL": (("OOLU",), "OOCL"),
}  # fmt: skip
_LESSOR_OWNER_CODES = ("TGHU", "TCLU", "TRHU", "TEMU", "FCIU", "GESU", "SEGU", "BMOU", "CAIU", "TLLU")
_SHIP_WORDS = (
    "ARIES", "GALAXY", "HARMONY", "PIONEER", "AURORA", "LIBERTY", "HORIZON", "TRIUMPH", "ORION", "ATLAS",
    "VALOR", "ZENITH", "MERIDIAN", "SERENITY", "CORAL", "ADVANCE", "GRACE", "EMPIRE", "SUMMIT", "VOYAGER",
)  # fmt: skip
_COMPANY_WORDS = ("Trading", "Industrial", "Import Export", "Logistics", "Manufacturing", "Supply", "Global")
_LEGAL_FORMS = {
    "CN": "Co Ltd", "HK": "Ltd", "KR": "Co Ltd", "JP": "KK", "TW": "Corp", "VN": "JSC", "TH": "Co Ltd",
    "DE": "GmbH", "NL": "BV", "BE": "NV", "FR": "SAS", "ES": "SL", "IT": "Srl", "GB": "Ltd", "PL": "Sp z o o",
    "SE": "AB", "GR": "SA", "US": "Inc", "CA": "Inc", "MX": "SA de CV", "BR": "Ltda", "AR": "SA", "CL": "SpA",
    "IN": "Pvt Ltd", "AE": "LLC", "SA": "LLC", "ZA": "Pty Ltd", "NG": "Ltd", "KE": "Ltd",
}  # fmt: skip
_EU = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())  # noqa: SIM905


@dataclass(frozen=True, slots=True)
class _Vessel:
    imo: str
    name: str
    entry_id: str = ""


@dataclass
class _Journey:
    index: int
    carrier: str
    container_number: str
    size_type: str
    cargo: str
    route: list[str]  # port of loading, transshipment hubs, port of discharge
    events: int
    kind: PlantedKind | None = None


@dataclass(frozen=True, slots=True)
class _Step:
    event_type: str
    port: Port
    leg: int
    at: datetime


def generate_containers(
    count: int,
    seed: int = 0,
    planted_share: float = 0.05,
    watchlist: Sequence[WatchlistEntry] = (),
    start: datetime = DEFAULT_START,
    days: int = 14,
) -> Synthetic[ContainerEvent]:
    """`count` events of journeys starting in the `days` from `start`, in time order; fixed by the seed.

    `planted_share` is the share of journeys (containers) with a planted risk; the truth marks the events that
    show it (every event for a port or weight, the events on the listed vessel, the event where seals changed).
    """
    if not 0 <= planted_share <= 1:
        raise ValueError("planted_share must be between 0 and 1")
    rng = random.Random(seed)
    listed_vessels = sorted(
        (_Vessel(e.imo_number, e.name, e.entry_id) for e in watchlist if e.kind == "vessel" and e.imo_number),
        key=lambda v: v.entry_id,
    )
    fleets = _fleets(rng, {v.imo for v in listed_vessels})
    journeys = _plan(rng, count)
    kinds = [PlantedKind.WEIGHT_DISCREPANCY, PlantedKind.CHANGED_SEALS, PlantedKind.LISTED_PORT]
    weights = [30, 25, 20]
    if listed_vessels:
        kinds.append(PlantedKind.SDN_VESSEL)
        weights.append(25)
    for index in sorted(rng.sample(range(len(journeys)), round(len(journeys) * planted_share))):
        kind = rng.choices(kinds, weights)[0]
        # A journey cut to two events (the last one of the stream) has no later event to change seals at.
        if kind is PlantedKind.CHANGED_SEALS and journeys[index].events < 3:
            kind = PlantedKind.WEIGHT_DISCREPANCY
        journeys[index].kind = kind
    events: list[tuple[datetime, ContainerEvent, TruthRow]] = []
    for journey in journeys:
        events.extend(_journey_events(rng, journey, fleets, listed_vessels, start, days))
    events.sort(key=lambda item: (item[0], item[1].event_id))
    return Synthetic([event for _, event, _ in events], [row for _, _, row in events])


def _fleets(rng: random.Random, excluded: set[str]) -> dict[str, list[_Vessel]]:
    """Six ships per carrier with valid IMO numbers, none of them a listed vessel's."""
    fleets: dict[str, list[_Vessel]] = {}
    taken = set(excluded)
    for carrier, (_, prefix) in CARRIERS.items():
        fleet = []
        for word in rng.sample(_SHIP_WORDS, 6):
            imo = ""
            while not imo or imo in taken:
                first_six = f"9{rng.randint(10000, 99999)}"
                imo = f"{first_six}{imo_check_digit(first_six)}"
            taken.add(imo)
            fleet.append(_Vessel(imo, f"{prefix} {word}"))
        fleets[carrier] = fleet
    return fleets


def _plan(rng: random.Random, count: int) -> list[_Journey]:
    """Journeys (container, cargo, route, number of events) adding up to exactly `count` events."""
    journeys: list[_Journey] = []
    total = 0
    while total < count:
        lane = rng.choices(LANES, [lane.weight for lane in LANES])[0]
        origins, destinations = lane.origins, lane.destinations
        if rng.random() < 0.3:
            origins, destinations = destinations, origins
        hubs = [h for h in lane.hubs if h not in origins + destinations]
        transshipments = rng.sample(hubs, min(len(hubs), rng.choices((0, 1, 2), (45, 45, 10))[0]))
        route = [rng.choice(origins), *transshipments, rng.choice(destinations)]
        reefer_cargo = [c for c in lane.cargo if c in _REEFER_CARGO]
        size_type = rng.choices(list(SIZE_TYPES), [s[0] for s in SIZE_TYPES.values()])[0]
        if "R" in size_type and not reefer_cargo:
            size_type = "45G1"
        cargo = rng.choice(reefer_cargo if "R" in size_type else [c for c in lane.cargo if c not in _REEFER_CARGO])
        events = min(4 + len(transshipments), count - total)
        carrier = rng.choice(list(CARRIERS))
        number = _container_number(rng, carrier)
        journeys.append(_Journey(len(journeys), carrier, number, size_type, cargo, route, events))
        total += events
    return journeys


def _container_number(rng: random.Random, carrier: str) -> str:
    """A box of the carrier's own (three in four) or leased from a container lessor."""
    owner_codes = CARRIERS[carrier][0] if rng.random() < 0.75 else _LESSOR_OWNER_CODES
    first_ten = f"{rng.choice(owner_codes)}{rng.randint(0, 999999):06d}"
    return f"{first_ten}{container_check_digit(first_ten)}"


def _local(port: Port, moment: datetime) -> str:
    # Ports carry no time zone in the reference data: the offset of their longitude is close enough.
    return moment.astimezone(timezone(timedelta(hours=round(port.lon / 15)))).isoformat(timespec="minutes")


def _timeline(rng: random.Random, route: Sequence[Port], start: datetime, days: int) -> list[_Step]:
    """Gate-in, loading, a transshipment per hub, discharge, gate-out, with dwell and sailing times."""
    moment = start + timedelta(minutes=rng.randrange(days * 24 * 60))
    steps = [_Step("gate-in", route[0], 0, moment)]
    moment += timedelta(hours=rng.uniform(24, 120))
    steps.append(_Step("loaded", route[0], 0, moment))
    for leg, (here, there) in enumerate(pairwise(route)):
        moment += timedelta(days=here.distance_km(there) * 1.25 / _KM_PER_DAY)
        if leg + 2 < len(route):
            moment += timedelta(hours=rng.uniform(24, 120))
            steps.append(_Step("transshipped", there, leg + 1, moment))  # loaded on the next leg's vessel
        else:
            steps.append(_Step("discharged", there, leg, moment))
            moment += timedelta(hours=rng.uniform(24, 144))
            steps.append(_Step("gate-out", there, leg, moment))
    return steps


def _weights(rng: random.Random, journey: _Journey) -> tuple[float, float, str]:
    """Declared gross weight (tare plus cargo that suits the goods) and VGM, within a few percent unless planted."""
    _, (tare_low, tare_high), max_gross = SIZE_TYPES[journey.size_type]
    _, fill_low, fill_high = CARGO[journey.cargo]
    tare = rng.randint(tare_low, tare_high)
    declared = round(tare + (max_gross - tare) * rng.uniform(fill_low, fill_high), -1)
    if journey.kind is not PlantedKind.WEIGHT_DISCREPANCY:
        return declared, round(declared * (1 + max(min(rng.gauss(0, 0.008), 0.025), -0.025)), -1), ""
    off = rng.uniform(WEIGHT_TOLERANCE * 3, 0.6) * (1 if rng.random() < 0.8 else -1)
    verified = round(min(declared * (1 + off), max_gross * 1.15), -1)
    return declared, verified, f"verified gross mass {verified:.0f} kg against {declared:.0f} kg declared"


def _journey_events(
    rng: random.Random,
    journey: _Journey,
    fleets: dict[str, list[_Vessel]],
    listed_vessels: Sequence[_Vessel],
    start: datetime,
    days: int,
) -> list[tuple[datetime, ContainerEvent, TruthRow]]:
    kind = journey.kind
    detail = ""
    if kind is PlantedKind.LISTED_PORT:
        listed = rng.choice(LISTED_PORTS)
        at = 1 if len(journey.route) > 2 and rng.random() < 0.5 else 0
        journey.route[at] = listed
        detail = f"{'transshipped' if at else 'loaded'} at {listed}, a port in a sanctioned jurisdiction"
    table = ports()
    route = [table[code] for code in journey.route]
    legs = [(rng.choice(fleets[journey.carrier]), f"{rng.randint(1, 999):03d}{rng.choice('EWNS')}") for _ in route[1:]]
    if kind is PlantedKind.SDN_VESSEL:
        leg = rng.randrange(len(legs))
        legs[leg] = (rng.choice(listed_vessels), legs[leg][1])
        detail = f"leg {leg + 1} on the listed vessel IMO {legs[leg][0].imo}"
    declared, verified, weight_detail = _weights(rng, journey)
    detail = detail or weight_detail
    owner = CARRIERS[journey.carrier][0][0][:2]  # seals are the carrier's, whoever owns the box
    seals = [f"{owner}{rng.randint(0, 9_999_999):07d}"]
    if rng.random() < 0.2:
        seals.append(f"C{rng.randint(0, 99_999_999):08d}")  # a customs seal besides the carrier's
    seal_change_at = rng.randrange(2, journey.events) if kind is PlantedKind.CHANGED_SEALS else -1
    hs_pool = CARGO[journey.cargo][0]
    shipment = {
        "container_number": journey.container_number,
        "size_type": journey.size_type,
        "port_of_loading": route[0].locode,
        "port_of_discharge": route[-1].locode,
        "transshipment_ports": [p.locode for p in route[1:-1]],
        "shipper": _party(rng, route[0], journey.cargo),
        "consignee": _party(rng, route[-1], journey.cargo),
        "hs_codes": rng.sample(hs_pool, rng.randint(1, min(3, len(hs_pool)))),
        "declared_gross_weight_kg": declared,
        "verified_gross_mass_kg": verified,
    }
    results = []
    previous: list[str] | None = None
    for number, step in enumerate(_timeline(rng, route, start, days)[: journey.events]):
        event_kinds: tuple[PlantedKind, ...] = ()
        vessel, voyage = legs[min(step.leg, len(legs) - 1)]
        if number == seal_change_at:
            seals = [f"{owner}{rng.randint(0, 9_999_999):07d}"]
            event_kinds = (PlantedKind.CHANGED_SEALS,)
            detail = f"seals changed at {step.event_type} in {step.port.locode}"
        elif kind in (PlantedKind.LISTED_PORT, PlantedKind.WEIGHT_DISCREPANCY) or (
            kind is PlantedKind.SDN_VESSEL and vessel.entry_id
        ):
            event_kinds = (kind,)
        event_id = f"EV-{journey.index:06d}-{number}"
        event = ContainerEvent.model_validate(
            {
                **shipment,
                "event_id": event_id,
                "event_type": step.event_type,
                "event_time": _local(step.port, step.at),
                "event_location": step.port.locode,
                "vessel_imo": vessel.imo,
                "vessel_name": vessel.name,
                "voyage": voyage,
                "seal_numbers": seals,
                "previous_seal_numbers": previous,
            }
        )
        previous = list(seals)
        entry_id = vessel.entry_id if PlantedKind.SDN_VESSEL in event_kinds else ""
        row = TruthRow(STREAM, event_id, journey.container_number, event_kinds, entry_id, detail if event_kinds else "")
        results.append((step.at, event, row))
    return results


def _party(rng: random.Random, port: Port, cargo: str) -> dict[str, object]:
    country = port.country
    word = rng.choice(_COMPANY_WORDS)
    name = f"{port.name.split(' (')[0]} {cargo.replace('_', ' ').title()} {word} {_LEGAL_FORMS.get(country, 'Ltd')}"
    party_id = f"{country}{rng.randint(10**9, 10**12 - 1)}" if country in _EU and rng.random() < 0.8 else None
    return {"name": name, "country": country, "party_id": party_id}
