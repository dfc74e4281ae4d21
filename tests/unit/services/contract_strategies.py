"""Hypothesis strategies for records of each stream, biased to the extremes: times at year 1 and 9999 with offsets of
±14 h and the edges of the accepted window, zero and the largest values, the longest strings, any script, most items.

They draw JSON documents (what ingest receives); most are valid, and a test keeps those its stream's schema accepts.
"""

import string
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from portcullis.shared.reference import airports, ports
from portcullis.shared.schemas.codes import COUNTRY_CODES
from portcullis.shared.schemas.container import MAX_GROSS_KG, EventType
from portcullis.shared.schemas.moments import EARLIEST, MAX_AHEAD
from portcullis.shared.schemas.passenger import MAX_AGE_YEARS, DocumentType, Sex
from portcullis.shared.screening.identifiers import container_check_digit, imo_check_digit

COUNTRIES = sorted(COUNTRY_CODES)
AIRPORTS = sorted(airports())
PORTS = sorted(ports())
MAX_FLOAT = 1.7976931348623157e308

offsets = st.one_of(st.sampled_from([14 * 60, -14 * 60, 0]), st.integers(min_value=-14 * 60, max_value=14 * 60)).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """An aware time: anywhere in years 1-9999, near the window's edges, or inside it; any offset up to ±14 h."""
    zone = draw(offsets)
    now = datetime.now(UTC)
    edges = [EARLIEST, EARLIEST - timedelta(microseconds=1), now + MAX_AHEAD - timedelta(minutes=1)]
    naive = draw(
        st.one_of(
            st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)]),
            st.sampled_from(edges).map(lambda edge: edge.astimezone(zone).replace(tzinfo=None)),
            st.datetimes(min_value=datetime(2000, 1, 2), max_value=(now + timedelta(days=300)).replace(tzinfo=None)),
            st.datetimes(),
        )
    )
    return naive.replace(tzinfo=zone)


def text_of(alphabet: str, low: int, high: int) -> st.SearchStrategy[str]:
    """Text of the alphabet, often of the longest length allowed."""
    return st.one_of(
        st.text(alphabet, min_size=high, max_size=high), st.text(alphabet, min_size=low, max_size=min(high, 8))
    )


ALNUM = string.ascii_letters + string.digits
ids = text_of(ALNUM + "-", 1, 35)
short_codes = text_of(ALNUM, 1, 8)
hs6 = text_of(string.digits, 6, 6)
#: The most containers a declaration may name, each once.
MANY_CONTAINERS = [f"MSCU{n:06d}{container_check_digit(f'MSCU{n:06d}')}" for n in range(500)]


def amounts(high: float) -> st.SearchStrategy[float]:
    """Zero, the smallest and largest values, anything in between."""
    return st.one_of(
        st.sampled_from([0.0, 5e-324, 1e-9, 1.0, high]),
        st.floats(min_value=0, max_value=high, allow_nan=False, allow_infinity=False),
    )


# Any script, combining marks, and the characters that break naive code: zero-width, right-to-left, astral planes.
unicode_text = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["\u200b", "\u200f", "\u202e", "\ufeff", "\U0001f600", "\u0301", "ß", "İ", "ﬁ"]),
    ),
    min_size=1,
)


def long_text(high: int) -> st.SearchStrategy[str]:
    return st.one_of(unicode_text.map(lambda text: (text * high)[:high]), unicode_text.map(lambda text: text[:high]))


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any]:
    """A goods declaration: one to 999 items."""
    item = st.fixed_dictionaries(
        {
            "hs6_code": hs6,
            "origin_country": st.sampled_from(COUNTRIES),
            "departure_country": st.sampled_from(COUNTRIES),
            "origin_indicator": short_codes,
            "tax_type": short_codes,
            "tax_rate": amounts(1000.0),
            "net_mass_kg": amounts(MAX_FLOAT),
            "item_price": amounts(MAX_FLOAT),
        }
    )
    items = draw(st.one_of(st.lists(item, min_size=1, max_size=4), item.map(lambda one: [one] * 999)))
    version_2 = draw(st.booleans())
    if version_2:
        items = [{**one, **draw(item_details)} for one in items[:4]] + items[4:]
    return {
        **(draw(declaration_parts()) if version_2 else {}),
        "declaration_id": draw(ids),
        "submitted_at": draw(moments()).isoformat(),
        **{
            name: draw(short_codes)
            for name in ("office_id", "process_type", "import_type", "import_use", "payment_type", "transport_mode")
        },
        "declarant_id": draw(ids),
        "importer_id": draw(ids),
        "seller_id": draw(ids),
        "courier_id": draw(st.none() | ids),
        "items": items,
    }


# Free text of version 2 refuses control characters; anything else of any script goes, zero-width and RTL marks too.
free_text = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Co", "Cn", "Z"]),
        st.sampled_from(["\u200b", "\u200f", "\u202e", "\ufeff", "\U0001f600", "\u0301", "ß", "İ", "ﬁ", " "]),
    ),
    min_size=1,
).filter(lambda text: text.strip())


def free_text_of(high: int) -> st.SearchStrategy[str]:
    return st.one_of(free_text.map(lambda text: (text * high)[:high]), free_text.map(lambda text: text[:high]))


item_details = st.fixed_dictionaries(
    {},
    optional={
        "description": free_text_of(512),
        "quantity": amounts(MAX_FLOAT),
        "quantity_unit": st.sampled_from(["KGM", "NAR", "LTR"]),
        "gross_mass_kg": st.just(MAX_FLOAT),  # not below the net mass, whatever it is
        "packages": st.sampled_from([0, 9_999_999]),
        "invoice_amount": amounts(MAX_FLOAT),
        "currency": st.sampled_from(["USD", "KRW", "XAU"]),
        "procedure_code": st.from_regex(r"[0-9]{4}", fullmatch=True),
        "documents": st.lists(
            st.fixed_dictionaries({"type": text_of(ALNUM, 1, 4), "reference": free_text_of(70)}), max_size=20
        ),
    },
).map(lambda details: {**details, "quantity_unit": "NAR"} if "quantity" in details else details)


@st.composite
def declaration_parts(draw: st.DrawFn) -> dict[str, Any]:
    """Version-2 parts of a declaration: up to 20 parties with names in any script, the most containers."""
    roles = ["exporter", "consignor", "importer", "consignee", "declarant", "carrier", "notify"]
    party = st.fixed_dictionaries(
        {"role": st.sampled_from(roles), "name": free_text_of(200)},
        optional={"address": free_text_of(300), "country": st.sampled_from(COUNTRIES), "party_id": ids},
    )
    boxes = draw(st.one_of(st.lists(container_numbers(), max_size=4, unique=True), st.just(MANY_CONTAINERS)))
    return {
        "parties": draw(st.lists(party, max_size=20)),
        "transport": {
            "vessel_imo": draw(st.none() | imo_numbers()),
            "vessel_name": draw(st.none() | free_text_of(100)),
            "voyage": draw(st.none() | text_of(ALNUM + "-", 1, 17)),
            "port_of_loading": draw(st.none() | st.sampled_from(PORTS)),
            "port_of_discharge": draw(st.none() | st.sampled_from(PORTS)),
            "transport_document": draw(st.none() | text_of(ALNUM + "/-", 1, 35)),
            "container_numbers": boxes,
        },
    }


names = st.one_of(
    st.sampled_from(["Müller-Lüdenscheidt", "Nguyễn Văn An", "محمد", "王小明", "O'Brien", "Ærøskøbing"]),
    st.text(st.characters(categories=["L", "M"]), min_size=1, max_size=100).filter(lambda name: name[:1].isalpha()),
    st.sampled_from(["A", "Ω"]).map(lambda letter: letter * 100),
)


@st.composite
def passengers(draw: st.DrawFn) -> dict[str, Any]:
    """An advance passenger record: itineraries up to 16 airports, names in any script, any travel document."""
    departure_time = draw(moments())
    minutes = draw(st.one_of(st.sampled_from([1, 60 * 24 * 2]), st.integers(min_value=1, max_value=60 * 24 * 2)))
    try:
        arrival_time = (departure_time + timedelta(minutes=minutes)).astimezone(draw(offsets))
    except OverflowError:  # beyond year 9999: an arrival before the departure, which the schema refuses
        arrival_time = departure_time
    departure, arrival = draw(st.sampled_from(AIRPORTS)), draw(st.sampled_from(AIRPORTS))
    before = draw(st.lists(st.sampled_from(AIRPORTS), max_size=7))
    after = draw(st.lists(st.sampled_from(AIRPORTS), max_size=7))
    today = datetime.now(UTC).date()
    oldest = today - timedelta(days=366 * MAX_AGE_YEARS - 2)
    return {
        "record_id": draw(ids),
        "carrier": draw(st.from_regex(r"([A-Z][A-Z0-9]|[0-9][A-Z])", fullmatch=True)),
        "flight_number": draw(st.from_regex(r"[0-9]{1,4}[A-Z]?", fullmatch=True)),
        "departure_airport": departure,
        "arrival_airport": arrival,
        "scheduled_departure": departure_time.isoformat(),
        "scheduled_arrival": arrival_time.isoformat(),
        "surname": draw(names),
        "given_names": draw(names),
        "date_of_birth": draw(st.sampled_from([oldest, today]) | st.dates(oldest, today)).isoformat(),
        "sex": draw(st.sampled_from(list(Sex))).value,
        "nationality": draw(st.sampled_from(COUNTRIES)),
        "document": {
            "type": draw(st.sampled_from(list(DocumentType))).value,
            "number": draw(text_of(string.ascii_uppercase + string.digits, 1, 20)),
            "issuing_country": draw(st.sampled_from(COUNTRIES)),
            "expiry_date": draw(st.sampled_from([date(1, 1, 1), date(9999, 12, 31)]) | st.dates()).isoformat(),
        },
        "itinerary": [*before, departure, arrival, *after],
        "booking_reference": draw(st.from_regex(r"[A-Z0-9]{6}", fullmatch=True)),
        "seat": draw(st.none() | st.from_regex(r"[0-9]{1,3}[A-K]", fullmatch=True)),
        "checked_bags": draw(st.sampled_from([0, 30]) | st.integers(0, 30)),
    }


@st.composite
def container_numbers(draw: st.DrawFn) -> str:
    first_ten = draw(st.from_regex(r"[A-Z]{3}[UJZ][0-9]{6}", fullmatch=True))
    return first_ten + str(container_check_digit(first_ten) % 10)


@st.composite
def imo_numbers(draw: st.DrawFn) -> str:
    first_six = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    return first_six + str(imo_check_digit(first_six))


seals = st.from_regex(r"[A-Z0-9-]{1,20}", fullmatch=True)


@st.composite
def containers(draw: st.DrawFn) -> dict[str, Any]:
    """A container event: the most transshipments, HS codes and seals allowed, the heaviest loads."""

    def party() -> dict[str, Any]:
        return {
            "name": draw(long_text(200)),
            "country": draw(st.sampled_from(COUNTRIES)),
            "party_id": draw(st.none() | ids),
        }

    return {
        "event_id": draw(ids),
        "container_number": draw(container_numbers()),
        "size_type": draw(st.from_regex(r"[0-9A-Z]{4}", fullmatch=True)),
        "event_type": draw(st.sampled_from(list(EventType))).value,
        "event_time": draw(moments()).isoformat(),
        "event_location": draw(st.sampled_from(PORTS)),
        "vessel_imo": draw(imo_numbers()),
        "vessel_name": draw(long_text(100)),
        "voyage": draw(text_of(ALNUM + "-", 1, 17)),
        "port_of_loading": draw(st.sampled_from(PORTS)),
        "port_of_discharge": draw(st.sampled_from(PORTS)),
        "transshipment_ports": draw(st.lists(st.sampled_from(PORTS), max_size=6)),
        "shipper": party(),
        "consignee": party(),
        "hs_codes": draw(st.one_of(st.lists(hs6, min_size=1, max_size=3), hs6.map(lambda code: [code] * 99))),
        "declared_gross_weight_kg": draw(amounts(MAX_GROSS_KG)),
        "verified_gross_mass_kg": draw(amounts(MAX_GROSS_KG)),
        "seal_numbers": draw(st.lists(seals, max_size=4)),
        "previous_seal_numbers": draw(st.none() | st.lists(seals, max_size=4)),
    }
