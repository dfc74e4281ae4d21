"""Check digits of the identifiers that decide a match on their own: ISO 6346 containers and IMO ships.

The check digits are computed as python-stdnum computes them (`stdnum.iso6346`, `stdnum.imo`; a unit test compares
the two), from a table rather than through its generic cleaning: every container and vessel of a version-2
declaration is checked when scoring decodes it. The normalisation here is more lenient than stdnum's (dashes and
slashes as port systems write them).
"""

import re

_CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_IMO_RE = re.compile(r"^[0-9]{7}$")
_CONTAINER_SEPARATORS = re.compile(r"[\s\-/.]")
_IMO_SEPARATORS = re.compile(r"[\s\-.:]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9A-Za-z]")


def normalize_container_number(text: str) -> str:
    """Upper-case a container number and drop spaces, dashes and slashes (`CSQU 305438-3` -> `CSQU3054383`)."""
    return _CONTAINER_SEPARATORS.sub("", text).upper()


#: ISO 6346 values of digits and letters: A is 10, and the letters skip the multiples of 11.
_ISO6346_VALUES = {character: value for value, character in enumerate("0123456789A BCDEFGHIJK LMNOPQRSTU VWXYZ")}
del _ISO6346_VALUES[" "]


def container_check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of owner code, category and serial number (10 characters)."""
    values = _ISO6346_VALUES
    try:
        total = sum(values[character] << position for position, character in enumerate(first_ten.upper()))
    except KeyError as error:
        raise ValueError(f"not an ISO 6346 character: {error.args[0]!r}") from None
    return total % 11 % 10


def is_valid_container_number(text: str) -> bool:
    """Whether `text` is an ISO 6346 container number (owner code, U/J/Z, 6 digits) with a right check digit."""
    number = normalize_container_number(text)
    if not _CONTAINER_RE.match(number):
        return False
    return container_check_digit(number[:10]) == int(number[10])


def normalize_imo_number(text: str) -> str:
    """The seven digits of an IMO ship number (`IMO 9074729`, `imo9074729` -> `9074729`)."""
    cleaned = _IMO_SEPARATORS.sub("", text).upper()
    return cleaned.removeprefix("IMO")


def imo_check_digit(first_six: str) -> int:
    """The IMO check digit of the first six digits (weights 7 down to 2, last digit of the sum)."""
    return sum(int(digit) * (7 - position) for position, digit in enumerate(first_six[:6])) % 10


def is_valid_imo_number(text: str) -> bool:
    """Whether `text` is an IMO ship number (seven digits, optionally prefixed `IMO`) with a right check digit."""
    number = normalize_imo_number(text)
    if not _IMO_RE.match(number):
        return False
    return imo_check_digit(number[:6]) == int(number[6])


def normalize_document_number(text: str) -> str:
    """A passport or id number reduced to upper-case letters and digits, for exact comparison."""
    return _NOT_LETTER_OR_DIGIT.sub("", text).upper()
