"""Spelling and transliteration variants of listed persons' names, as they show up on real travel documents."""

import random
import re
from dataclasses import dataclass

from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.pairs import in_cyrillic, with_accents, with_typos

#: One-way rewrites between common romanisations (Arabic, Persian, Russian, Chinese names), tried anywhere in a name.
TRANSLITERATIONS: tuple[tuple[str, str], ...] = (
    ("MUHAMMAD", "MOHAMMED"), ("MOHAMMED", "MUHAMMAD"), ("MOHAMMAD", "MOHAMED"), ("MOHAMED", "MOHAMMAD"),
    ("AHMAD", "AHMED"), ("AHMED", "AHMAD"), ("HUSAYN", "HUSSEIN"), ("HUSSEIN", "HUSAYN"), ("HUSAIN", "HOSSEIN"),
    ("YUSUF", "YOUSSEF"), ("YOUSEF", "YUSUF"), ("UMAR", "OMAR"), ("OMAR", "UMAR"), ("ABDUL ", "ABD AL "),
    ("ABD AL ", "ABDUL "), ("ABDEL", "ABDUL"), ("AL ", "AL-"), ("AL-", "EL-"), ("EL ", "AL-"), ("OU", "U"),
    ("KH", "H"), ("Q", "K"), ("DJ", "J"), ("J", "DJ"), ("IY", "I"), ("EI", "AY"), ("AY", "EI"), ("EE", "I"),
    ("SH", "SCH"), ("CH", "TCH"), ("PH", "F"), ("OV", "OFF"), ("EV", "EFF"), ("YU", "JU"), ("YA", "JA"),
    ("KS", "X"), ("TS", "TZ"), ("ZH", "J"), ("W", "V"), ("V", "W"), ("AA", "A"), ("UU", "U"), ("SS", "S"),
)  # fmt: skip
_NOT_IN_NAMES = re.compile(r"[^\w '\u2019.-]|[\d_]")


@dataclass(frozen=True, slots=True)
class ListedName:
    """A listed person's name as a carrier would report it, with how it differs from the listing."""

    surname: str
    given_names: str
    variant: str


def split_listed_name(name: str) -> tuple[str, str] | None:
    """`Ayman AL ZAWAHIRI` as (`AL ZAWAHIRI`, `Ayman`): the trailing upper-case words are the surname."""
    words = _NOT_IN_NAMES.sub(" ", name).split()
    if len(words) < 2:
        return None
    cut = len(words)
    while cut > 0 and words[cut - 1].isupper() and len(words[cut - 1]) > 1:
        cut -= 1
    if cut == len(words) or cut == 0:
        cut = len(words) - 1
    given, surname = " ".join(words[:cut]), " ".join(words[cut:])
    if not given[:1].isalpha() or not surname[:1].isalpha():
        return None
    return surname, given


def transliterate(rng: random.Random, text: str) -> str | None:
    """The text with one romanisation rewrite applied (`MUHAMMAD` -> `MOHAMMED`), or None when none applies."""
    upper = text.upper()
    candidates = [(old, new) for old, new in TRANSLITERATIONS if old in upper]
    if not candidates:
        return None
    old, new = rng.choice(candidates)
    starts = [m.start() for m in re.finditer(re.escape(old), upper)]
    at = rng.choice(starts)
    return upper[:at] + new + upper[at + len(old) :]


def listed_name_variant(rng: random.Random, entry: WatchlistEntry) -> ListedName | None:
    """A name of the listed person (primary or alias) as exact, transliterated, mistyped, accented or Cyrillic."""
    names = [n for n in entry.names if split_listed_name(n)]
    if not names:
        return None
    source = rng.choice(names)
    split = split_listed_name(source)
    assert split is not None
    surname, given = split
    origin = "alias" if source != entry.name else "primary"
    variant = "exact"
    roll = rng.random()
    if roll < 0.35:
        changed = transliterate(rng, f"{given}|{surname}")
        if changed and "|" in changed:
            given, surname = changed.split("|", 1)
            variant = "transliteration"
    elif roll < 0.55:
        surname = with_typos(rng, surname, 1)
        variant = "typo"
    elif roll < 0.65:
        given, surname = with_accents(rng, given), with_accents(rng, surname)
        variant = "accents"
    elif roll < 0.72 and set(entry.nationalities) & {"RU", "UA", "BY", "KZ", "KG", "TJ", "UZ"}:
        given, surname = in_cyrillic(given), in_cyrillic(surname)
        variant = "cyrillic"
    surname, given = _clean(surname), _clean(given)
    if not surname or not given:
        return None
    if (surname.upper(), given.upper()) == (_clean(split[0]).upper(), _clean(split[1]).upper()):
        variant = "exact"
    return ListedName(surname=_case(surname), given_names=_case(given), variant=f"{origin} name, {variant}")


def _clean(text: str) -> str:
    return " ".join(_NOT_IN_NAMES.sub(" ", text).split()).strip(" '.-\u2019")


def _case(text: str) -> str:
    # Carrier feeds mix "AL ZAWAHIRI" (from the MRZ) and "Al Zawahiri" (from the booking); title case is the norm.
    return text.title() if text.isupper() or text.islower() else text
