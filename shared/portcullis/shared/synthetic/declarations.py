"""Synthetic version-2 declarations: parties, transport and goods details on top of version-1 declarations.

The version-1 part comes from the caller (the Korea Customs data set's declarations, which `portcullis replay
declarations --v2` enriches) or is generated here. Each declaration gets an exporter in its origin country, often the
consignor as well, the importer and consignee in Korea with the declaration's trader ids, the declarant (its
broker), the carrier and sometimes a notify party; sea shipments a vessel with a valid IMO number, a voyage, a bill
of lading and one to four ISO 6346 containers; air shipments a flight and an air waybill; every item a description,
quantity, gross mass, packages, invoice amount and currency, procedure code and an invoice document.

A chosen share carries a planted risk, recorded in the ground truth: a party of the sanctions list (an organisation,
or a person trading in their own name) as consignor, exporter, consignee or notify party, under its primary name or
an alias, exact or with a transliteration rewrite, a typing error, accents or another legal form; or a listed vessel
(its IMO number and listed name).
"""

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from portcullis.shared.reference import is_known_locode, ports
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.codes import COUNTRY_CODES
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.identifiers import container_check_digit, imo_check_digit
from portcullis.shared.screening.normalize import LEGAL_FORMS
from portcullis.shared.screening.pairs import with_accents, with_typos
from portcullis.shared.synthetic.containers import CARGO, CARRIERS
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow
from portcullis.shared.synthetic.variants import listed_name_variant, transliterate

STREAM = "declaration"
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)
#: Korean ports of discharge (the data set is Korea Customs'), and the airport city for air cargo.
_SEA_DISCHARGE = ("KRPUS", "KRINC", "KRKAN", "KRUSN", "KRPTK")
_AIR_DISCHARGE = "KRINC"
_SEA_MODE, _AIR_MODE = "10", "40"
#: Brand syllables by region: company names as they look in the trade of each region.
_SYLLABLES = {
    "east_asia": ("Hua", "Xin", "Jin", "Tai", "Zhong", "Feng", "Long", "Sheng", "Yuan", "Hong", "Kai", "Rui", "Bao",
                  "Mei", "Wei", "Heng", "Yong", "Fu", "Qiang", "Teng"),
    "korea": ("Han", "Dae", "Sung", "Hyun", "Jin", "Woo", "Seo", "Kyung", "Min", "Young", "Dong", "Il", "Sam", "Shin"),
    "other": ("Nor", "Vel", "Ari", "Tec", "Mar", "Sol", "Ven", "Cor", "Dal", "Ber", "Lin", "Ost", "Pra", "Kem", "Tor",
              "Alt", "Ever", "Pol", "Rex", "Sym"),
}  # fmt: skip
_EAST_ASIA = frozenset({"CN", "HK", "TW", "SG", "MO"})
_TRADES = ("Trading", "Industrial", "Textiles", "Electronics", "Machinery", "Foods", "Chemicals", "Materials",
           "Import Export", "Manufacturing", "Supply", "Components")  # fmt: skip
_LEGAL_FORMS = {"CN": "Co Ltd", "HK": "Ltd", "KR": "Co Ltd", "JP": "KK", "TW": "Corp", "VN": "JSC", "DE": "GmbH",
                "NL": "BV", "FR": "SAS", "IT": "Srl", "ES": "SL", "GB": "Ltd", "US": "Inc", "IN": "Pvt Ltd",
                "TH": "Co Ltd", "MY": "Sdn Bhd", "ID": "PT", "BE": "NV"}  # fmt: skip
_OTHER_LEGAL_FORMS = ("LLC", "Ltd", "Co", "Company", "Inc", "Limited", "")
_CARRIER_NAMES = {"MSC": ("Mediterranean Shipping Company SA", "CH"), "Maersk": ("A.P. Moller - Maersk A/S", "DK"),
                  "CMA CGM": ("CMA CGM SA", "FR"), "COSCO": ("COSCO Shipping Lines Co Ltd", "CN"),
                  "Hapag-Lloyd": ("Hapag-Lloyd AG", "DE"), "ONE": ("Ocean Network Express Pte Ltd", "SG"),
                  "Evergreen": ("Evergreen Marine Corp", "TW"), "HMM": ("HMM Co Ltd", "KR"),
                  "Yang Ming": ("Yang Ming Marine Transport Corp", "TW"),
                  "ZIM": ("ZIM Integrated Shipping Services Ltd", "IL"),
                  "OOCL": ("Orient Overseas Container Line Ltd", "HK")}  # fmt: skip
_AIRLINES = (("KE", "Korean Air Lines Co Ltd"), ("OZ", "Asiana Airlines Inc"), ("CX", "Cathay Pacific Airways Ltd"),
             ("LH", "Deutsche Lufthansa AG"), ("CA", "Air China Ltd"))  # fmt: skip
_SHIP_WORDS = ("ARIES", "GALAXY", "HARMONY", "PIONEER", "AURORA", "LIBERTY", "HORIZON", "ORION", "ATLAS", "ZENITH")
_UNITS = ("NAR", "KGM", "NAR", "NAR", "LTR", "MTK", "PR")
_CURRENCIES = {"CN": "CNY", "JP": "JPY", "DE": "EUR", "FR": "EUR", "IT": "EUR", "NL": "EUR", "GB": "GBP", "KR": "KRW"}
_DESCRIPTIONS = {"03": "frozen seafood", "08": "fresh fruit", "09": "green coffee beans", "22": "beverages",
                 "29": "organic chemicals", "39": "plastic articles", "40": "rubber tyres", "42": "handbags and cases",
                 "44": "sawn wood", "61": "knitted garments", "62": "woven garments", "64": "footwear",
                 "69": "ceramic tiles", "72": "flat-rolled steel", "73": "steel structures and fasteners",
                 "84": "machinery and parts", "85": "electrical equipment and parts", "87": "vehicle parts",
                 "94": "furniture", "95": "toys and games"}  # fmt: skip
_TYPO_MIN_LETTERS = 6
_PLANTED_ROLES = (("consignor", 40), ("exporter", 25), ("consignee", 25), ("notify", 10))


def generate_declarations(
    count: int,
    seed: int = 0,
    planted_share: float = 0.05,
    watchlist: Sequence[WatchlistEntry] = (),
    base: Sequence[Declaration] = (),
    start: datetime = DEFAULT_START,
) -> Synthetic[Declaration]:
    """`count` version-2 declarations (the first `count` of `base` enriched, the rest generated); fixed by the seed."""
    if not 0 <= planted_share <= 1:
        raise ValueError("planted_share must be between 0 and 1")
    rng = random.Random(seed)
    organisations = sorted((e for e in watchlist if e.kind == "organization"), key=lambda e: e.entry_id)
    persons = sorted((e for e in watchlist if e.kind == "person"), key=lambda e: e.entry_id)
    vessels = sorted((e for e in watchlist if e.kind == "vessel" and e.imo_number), key=lambda e: e.entry_id)
    listed_imos = {e.imo_number for e in vessels}
    planted = set(rng.sample(range(count), round(count * planted_share)))
    items: list[Declaration] = []
    truth: list[TruthRow] = []
    # A trader id keeps the name it was first given (by role: seller, importer and declarant ids are apart).
    trader_names: dict[tuple[str, str], str] = {}
    for index in range(count):
        v1 = base[index] if index < len(base) else _version_1(rng, index, start)
        document = _version_2(rng, v1, listed_imos, trader_names)
        kind, entry_id, detail = None, "", ""
        if index in planted and (organisations or persons or vessels):
            kind, entry_id, detail = _plant(rng, document, organisations, persons, vessels)
        declaration = Declaration.model_validate(document)
        items.append(declaration)
        kinds = (kind,) if kind is not None else ()
        truth.append(TruthRow(STREAM, declaration.declaration_id, declaration.declaration_id, kinds, entry_id, detail))
    return Synthetic(items, truth)


def _version_1(rng: random.Random, index: int, start: datetime) -> Declaration:
    """A version-1 declaration in the layout of the Korea Customs data set."""
    origin = rng.choice(("CN", "CN", "CN", "US", "JP", "VN", "DE", "TW", "IT", "IN", "TH", "NL"))
    cargo = rng.choice(list(CARGO))
    hs_codes = CARGO[cargo][0]
    items = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mass = round(rng.uniform(5, 20_000), 1)
        items.append(
            {"hs6_code": rng.choice(hs_codes), "origin_country": origin, "departure_country": origin,
             "origin_indicator": rng.choice(("G", "B", "E")), "tax_type": rng.choice(("A", "C", "FCN1")),
             "tax_rate": rng.choice((0.0, 3.0, 8.0, 13.0)), "net_mass_kg": mass,
             "item_price": round(mass * rng.uniform(2, 400), 1)}
        )  # fmt: skip
    moment = start + timedelta(minutes=rng.randrange(14 * 24 * 60))
    return Declaration.model_validate(
        {"declaration_id": f"DV2-{index:07d}", "submitted_at": moment.isoformat(), "office_id": rng.choice("1234"),
         "process_type": "B", "import_type": "11", "import_use": "21", "payment_type": "11",
         "transport_mode": _SEA_MODE if rng.random() < 0.8 else _AIR_MODE, "declarant_id": _trader_id(rng),
         "importer_id": _trader_id(rng), "seller_id": _trader_id(rng), "courier_id": None, "items": items}
    )  # fmt: skip


def _trader_id(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(7))


def _company(rng: random.Random, country: str) -> str:
    region = "east_asia" if country in _EAST_ASIA else "korea" if country == "KR" else "other"
    syllables = _SYLLABLES[region]
    brand = rng.choice(syllables) + rng.choice(syllables).lower()
    return f"{brand} {rng.choice(_TRADES)} {_LEGAL_FORMS.get(country, 'Ltd')}"


def _trader_name(names: dict[tuple[str, str], str], role: str, trader_id: str | None, drawn: str) -> str:
    """The name of a trader id: the one it was first given (`drawn` for a new one, or a party without an id)."""
    return drawn if trader_id is None else names.setdefault((role, trader_id), drawn)


def _version_2(
    rng: random.Random, v1: Declaration, listed_imos: set[str | None], names: dict[tuple[str, str], str]
) -> dict[str, object]:
    document = v1.model_dump(mode="json")
    origin = v1.items[0].origin_country
    # Every name is drawn, kept or not, so that the rest of the declaration draws the same as before.
    exporter_name = _trader_name(names, "seller", v1.seller_id, _company(rng, origin))
    importer_name = _trader_name(names, "importer", v1.importer_id, _company(rng, "KR"))
    exporter = {"role": "exporter", "name": exporter_name, "country": origin, "party_id": v1.seller_id}
    importer = {"role": "importer", "name": importer_name, "country": "KR", "party_id": v1.importer_id}
    consignor = {**exporter, "role": "consignor"} if rng.random() < 0.6 else {
        "role": "consignor", "name": _company(rng, origin), "country": origin}  # fmt: skip
    consignee = {**importer, "role": "consignee"} if rng.random() < 0.7 else {
        "role": "consignee", "name": _company(rng, "KR"), "country": "KR"}  # fmt: skip
    declarant_name = f"{_company(rng, 'KR').rsplit(' ', 3)[0]} Customs Service"
    declarant = {"role": "declarant", "name": _trader_name(names, "declarant", v1.declarant_id, declarant_name),
                 "country": "KR", "party_id": v1.declarant_id}  # fmt: skip
    parties = [exporter, consignor, importer, consignee, declarant]
    loading = [code for code, port in ports().items() if port.country == origin] or ["CNSHA"]
    if v1.transport_mode == _AIR_MODE:
        airline, airline_name = rng.choice(_AIRLINES)
        parties.append({"role": "carrier", "name": airline_name})
        transport: dict[str, object] = {
            "flight_number": f"{airline}{rng.randint(100, 9999)}",
            "port_of_loading": rng.choice(loading),
            "port_of_discharge": _AIR_DISCHARGE,
            "transport_document": f"{rng.randint(100, 999)}-{rng.randint(10_000_000, 99_999_999)}",
        }
    else:
        carrier = rng.choice(list(CARRIERS))
        carrier_name, carrier_country = _CARRIER_NAMES[carrier]
        parties.append({"role": "carrier", "name": carrier_name, "country": carrier_country})
        owner_codes = CARRIERS[carrier][0]
        transport = {
            "vessel_imo": _imo(rng, listed_imos),
            "vessel_name": f"{CARRIERS[carrier][1]} {rng.choice(_SHIP_WORDS)}",
            "voyage": f"{rng.randint(1, 999):03d}{rng.choice('EWNS')}",
            "port_of_loading": rng.choice(loading),
            "port_of_discharge": rng.choice([p for p in _SEA_DISCHARGE if is_known_locode(p)]),
            "transport_document": f"{owner_codes[0]}{rng.randint(10**9, 10**10 - 1)}",
            "container_numbers": sorted({_container(rng, owner_codes) for _ in range(rng.choice((1, 1, 2, 3, 4)))}),
        }
    if rng.random() < 0.25:
        parties.append({"role": "notify", "name": _company(rng, "KR"), "country": "KR"})
    document["parties"] = [{k: v for k, v in party.items() if v is not None} for party in parties]
    document["transport"] = transport
    document["items"] = [_item_details(rng, item, origin) for item in document["items"]]
    return document


def _imo(rng: random.Random, listed: set[str | None]) -> str:
    while True:
        first_six = f"9{rng.randint(10000, 99999)}"
        imo = f"{first_six}{imo_check_digit(first_six)}"
        if imo not in listed:
            return imo


def _container(rng: random.Random, owner_codes: Sequence[str]) -> str:
    first_ten = f"{rng.choice(owner_codes)}{rng.randint(0, 999_999):06d}"
    return f"{first_ten}{container_check_digit(first_ten)}"


def _item_details(rng: random.Random, item: dict[str, object], origin: str) -> dict[str, object]:
    net = float(item["net_mass_kg"])  # type: ignore[arg-type]
    hs6 = str(item["hs6_code"])
    unit = rng.choice(_UNITS)
    quantity = round(net, 1) if unit == "KGM" else float(max(1, round(net * rng.uniform(0.5, 20))))
    currency = _CURRENCIES.get(origin, "USD") if rng.random() < 0.4 else "USD"
    return {
        **item,
        "description": _DESCRIPTIONS.get(hs6[:2], f"goods of heading {hs6[:4]}"),
        "quantity": quantity,
        "quantity_unit": unit,
        "gross_mass_kg": round(net * rng.uniform(1.02, 1.15), 1),
        "packages": max(1, round(net / rng.uniform(5, 500))),
        "invoice_amount": round(float(item["item_price"]) * rng.uniform(0.9, 1.1), 2),  # type: ignore[arg-type]
        "currency": currency,
        "procedure_code": rng.choice(("4000", "4000", "4000", "4071", "5100")),
        "documents": [{"type": "N380", "reference": f"INV-{rng.randint(10**5, 10**6 - 1)}"}],
    }


def _plant(
    rng: random.Random,
    document: dict[str, object],
    organisations: Sequence[WatchlistEntry],
    persons: Sequence[WatchlistEntry],
    vessels: Sequence[WatchlistEntry],
) -> tuple[PlantedKind, str, str]:
    """Put a listed party or vessel into the document; the kind, entry id and what was planted."""
    transport = document["transport"]
    assert isinstance(transport, dict)
    if vessels and "vessel_imo" in transport and rng.random() < 0.3:
        vessel = rng.choice(vessels)
        transport["vessel_imo"], transport["vessel_name"] = vessel.imo_number, vessel.name[:100]
        return PlantedKind.SDN_VESSEL, vessel.entry_id, f"vessel IMO {vessel.imo_number}"
    role = rng.choices([r for r, _ in _PLANTED_ROLES], [w for _, w in _PLANTED_ROLES])[0]
    if persons and (not organisations or rng.random() < 0.2):
        entry = rng.choice(persons)
        variant = listed_name_variant(rng, entry)
        name, how = (entry.name, "primary name, exact") if variant is None else (
            f"{variant.given_names} {variant.surname}", variant.variant)  # fmt: skip
    else:
        entry = rng.choice(organisations)
        name, how = _organisation_variant(rng, entry)
    party: dict[str, object] = {"role": role, "name": name[:200]}
    countries = [code for code in entry.nationalities if code in COUNTRY_CODES]  # lists also use XK, not ISO
    if countries:
        party["country"] = countries[0]
    parties = document["parties"]
    assert isinstance(parties, list)
    parties[:] = [p for p in parties if p["role"] != role] + [party]
    return PlantedKind.SDN_PARTY, entry.entry_id, f"{role}: {how}"


def _organisation_variant(rng: random.Random, entry: WatchlistEntry) -> tuple[str, str]:
    """A listed organisation's name (primary or alias) as a declarant might type it, and how it differs."""
    source = rng.choice(entry.names)
    origin = "alias" if source != entry.name else "primary"
    roll = rng.random()
    name, variant = source, "exact"
    if roll < 0.25:
        name, variant = transliterate(rng, source) or source, "transliteration"
    elif roll < 0.5:
        # A typing error in the longest word (not the legal form), if long enough to stay recognisable (6 letters).
        words = [w for w in source.split() if w.strip(".,").upper() not in LEGAL_FORMS] or source.split()
        distinctive = max(words, key=len)
        if len(distinctive) >= _TYPO_MIN_LETTERS:
            name, variant = source.replace(distinctive, with_typos(rng, distinctive, 1), 1), "typo"
    elif roll < 0.6:
        name, variant = with_accents(rng, source), "accents"
    elif roll < 0.75:
        # Another legal form in place of the listed one, or added where the listing has none.
        words = source.split()
        listed_form = words[-1].strip(".,").upper() in LEGAL_FORMS and len(words) > 1
        form = rng.choice(_OTHER_LEGAL_FORMS)
        name, variant = " ".join([*words[:-1], form] if listed_form else [*words, form]).strip(), "legal form"
    if name.upper() == source.upper():
        variant = "exact"
    return (name.title() if rng.random() < 0.5 else name), f"{origin} name, {variant}"
