"""Travel document numbers in the formats each issuing country uses (as far as public specimens show them)."""

import random
import string

_DIGITS = string.digits
_LETTERS = string.ascii_uppercase
# German passports avoid letters that read like digits or each other (ICAO 9303 guidance).
_DE_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"

#: Passport number pattern per issuing country: `A` a letter, `9` a digit, `X` either, `D` the German alphabet;
#: any other character is itself.
PASSPORT_FORMATS: dict[str, str] = {
    "US": "999999999",
    "GB": "999999999",
    "CA": "AA999999",
    "AU": "A9999999",
    "NZ": "AA999999",
    "DE": "CDDDDDDDD",
    "AT": "A9999999",
    "CH": "A9999999",
    "FR": "99AA99999",
    "BE": "AA999999",
    "NL": "AAXXXXXX9",
    "IE": "AA9999999",
    "IT": "AA9999999",
    "ES": "AAA999999",
    "PT": "A999999",
    "GR": "AA9999999",
    "PL": "AA9999999",
    "RU": "999999999",
    "UA": "AA999999",
    "RO": "99999999",
    "TR": "U99999999",
    "IR": "A99999999",
    "IN": "A9999999",
    "PK": "AA9999999",
    "BD": "AA9999999",
    "CN": "E99999999",
    "JP": "AA9999999",
    "KR": "M99999999",
    "TW": "999999999",
    "HK": "K99999999",
    "VN": "A99999999",
    "PH": "P9999999A",
    "ID": "A9999999",
    "TH": "AA9999999",
    "MY": "A99999999",
    "SG": "E9999999A",
    "SA": "A99999999",
    "AE": "999999999",
    "EG": "A99999999",
    "MA": "AA9999999",
    "NG": "A99999999",
    "KE": "AK9999999",
    "ZA": "A99999999",
    "ET": "EP9999999",
    "BR": "AA999999",
    "MX": "A99999999",
    "AR": "AAA999999",
    "CO": "AA999999",
    "CL": "A99999999",
    "PE": "9999999",
}
_DEFAULT_PASSPORT = "A9999999"
#: National identity cards that travel within a region (EU/EEA, ECOWAS, Mercosur ...), by country.
ID_CARD_FORMATS: dict[str, str] = {
    "DE": "LDDDDDDDD",
    "FR": "XXXXXXXXXXXX",
    "NL": "AAXXXXXX9",
    "BE": "999999999999",
    "IT": "CA99999AA",
    "ES": "AAA999999",
    "PT": "99999999",
    "AT": "9999999",
    "PL": "AAA999999",
    "RO": "AA999999",
    "GR": "AA999999",
    "AR": "99999999",
    "BR": "999999999",
}


def document_number(rng: random.Random, country: str, identity_card: bool = False) -> str:
    """A document number in the format of `country` (passport, or identity card when asked and known)."""
    pattern = ID_CARD_FORMATS.get(country) if identity_card else None
    pattern = pattern or PASSPORT_FORMATS.get(country, _DEFAULT_PASSPORT)
    return "".join(_character(rng, symbol) for symbol in pattern)


def _character(rng: random.Random, symbol: str) -> str:
    if symbol == "9":
        return rng.choice(_DIGITS)
    if symbol == "A":
        return rng.choice(_LETTERS)
    if symbol == "X":
        return rng.choice(_LETTERS + _DIGITS)
    if symbol == "D":
        return rng.choice(_DE_ALPHABET)
    return symbol
