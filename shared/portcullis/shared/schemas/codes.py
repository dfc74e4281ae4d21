"""Validated code types (ISO 3166 countries, ISO 4217 currencies, HS codes) reused by every schema."""

from typing import Annotated

import pycountry
from pydantic import AfterValidator, StringConstraints

#: ISO 3166-1 alpha-2 codes, plus ZZ, the user-assigned code customs systems use for "unknown".
COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries) | {"ZZ"}


def _known_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise ValueError(f"unknown ISO 3166-1 alpha-2 country code {code!r}")
    return code


#: ISO 4217 alphabetic currency codes (pycountry's list, which includes the funds and precious metals codes).
CURRENCY_CODES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies)


def _known_currency(code: str) -> str:
    if code not in CURRENCY_CODES:
        raise ValueError(f"unknown ISO 4217 currency code {code!r}")
    return code


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]
CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2),
    AfterValidator(_known_country),
]
HS6Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
#: A code from an agency's code list (office, process type, tax type ...): short, printable, no spaces.
ShortCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{1,8}$")]
#: A party identifier (importer, declarant, seller, courier): trader ids such as EORI numbers fit.
PartyId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,35}$")]
