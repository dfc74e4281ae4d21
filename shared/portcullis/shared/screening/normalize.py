"""Name normalisation: one canonical token form for listed names and screened names alike."""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import OSA

from portcullis.shared.screening.numerals import NUMBER_WORDS, cjk_numerals_to_digits, numbers_as_digits
from portcullis.shared.screening.transliteration import is_latin, script_readings, without_legal_forms

# Legal forms, several words long; removed before the single-word forms below (transliterated Russian
# and Ukrainian forms included, as they appear on sanctions lists).
_LEGAL_PHRASES = (
    "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU",
    "OBSHCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU",
    "OTKRYTOE AKTSIONERNOE OBSHCHESTVO",
    "ZAKRYTOE AKTSIONERNOE OBSHCHESTVO",
    "PUBLICHNOE AKTSIONERNOE OBSHCHESTVO",
    "AKTSIONERNOE OBSHCHESTVO",
    "PUBLIC JOINT STOCK COMPANY",
    "PRIVATE JOINT STOCK COMPANY",
    "CLOSED JOINT STOCK COMPANY",
    "OPEN JOINT STOCK COMPANY",
    "JOINT STOCK COMPANY",
    "LIMITED LIABILITY COMPANY",
    "LIMITED LIABILITY PARTNERSHIP",
    "PUBLIC LIMITED COMPANY",
    "PRIVATE LIMITED COMPANY",
    "PRIVATE LIMITED",
    "SOCIEDAD ANONIMA DE CAPITAL VARIABLE",
    "SOCIEDAD DE RESPONSABILIDAD LIMITADA",
    "SOCIEDAD ANONIMA",
    "S DE RL DE CV",
    "S DE R L DE C V",
    "SA DE CV",
    "S A DE C V",
    "S DE RL",
    "S DE R L",
    "DE CV",
    "S EN CS",
    "S EN C",
    "Y CIA",
    "FREE ZONE ESTABLISHMENT",
    "FREE ZONE COMPANY",
)
LEGAL_FORMS: frozenset[str] = frozenset(
    [
        "LLC",
        "LTD",
        "LTDA",
        "LIMITED",
        "CO",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "INC",
        "INCORPORATED",
        "GMBH",
        "MBH",
        "SA",
        "SAS",
        "SARL",
        "SAL",
        "SPA",
        "SRL",
        "SL",
        "BV",
        "NV",
        "AG",
        "KG",
        "KGAA",
        "PLC",
        "LLP",
        "LP",
        "OOO",
        "ZAO",
        "OAO",
        "PAO",
        "AO",
        "TOO",
        "PJSC",
        "OJSC",
        "CJSC",
        "JSC",
        "PAT",
        "PRAT",
        "TOV",
        "FZE",
        "FZCO",
        "FZC",
        "FZ",
        "FZLLC",
        "PTE",
        "PVT",
        "PTY",
        "CIA",
        "SAPI",
        "EIRL",
        "KFT",
        "ZRT",
        "OY",
        "OYJ",
        "EOOD",
        "OOD",
        "DOO",
        "SDN",
        "BHD",
    ]
)
TITLES: frozenset[str] = frozenset(
    [
        "MR",
        "MRS",
        "MS",
        "MISS",
        "DR",
        "PROF",
        "SIR",
        "LORD",
        "SHEIKH",
        "SHAYKH",
        "SHAIKH",
        "SHEIK",
        "HAJI",
        "HAJJI",
        "HAJ",
        "HAJJ",
        "HADJ",
        "HADJI",
        "SCHAYKH",
        "SCHEIKH",
        "SCHEICH",
        "ALHAJI",
        "ALHAJ",
        "MULLAH",
        "MAULANA",
        "MAWLAWI",
        "MAULAVI",
        "MAWLAVI",
        "MUFTI",
        "QARI",
        "USTADZ",
        "USTAZ",
        "COLONEL",
        "COL",
        "GENERAL",
        "GEN",
        "CAPTAIN",
        "CAPT",
        "MAJOR",
    ]
)
_MISTYPED_LEGAL_MIN = 6
_LONG_LEGAL_FORMS = tuple(sorted(form for form in LEGAL_FORMS if len(form) >= _MISTYPED_LEGAL_MIN))
_LONG_LEGAL_FORM_SET = frozenset(_LONG_LEGAL_FORMS)
# A word one edit from a form is at most one letter longer or shorter: the forms a word of each length can be.
_LONG_LEGAL_FORMS_NEAR: dict[int, tuple[str, ...]] = {
    length: tuple(form for form in _LONG_LEGAL_FORMS if abs(len(form) - length) <= 1)
    for length in range(_MISTYPED_LEGAL_MIN, max(map(len, _LONG_LEGAL_FORMS)) + 2)
}
# A long form split in two after its first letters (`LIM ITED`): the first part is one of these beginnings.
_LONG_LEGAL_FORM_STARTS = frozenset(form[:cut] for form in _LONG_LEGAL_FORMS for cut in range(1, len(form)))
VESSEL_PREFIXES: frozenset[str] = frozenset(["MV", "MT", "SS", "MY", "FV", "RV", "TS"])
#: Name particles: kept, but they weigh little in the comparison.
PARTICLES: frozenset[str] = frozenset(
    [
        "AL",
        "EL",
        "ABU",
        "ABOU",
        "BIN",
        "BEN",
        "IBN",
        "BINT",
        "DE",
        "DEL",
        "DA",
        "DI",
        "DOS",
        "DAS",
        "DU",
        "LA",
        "LE",
        "VAN",
        "VON",
        "DER",
        "Y",
        "E",
        "OF",
        "THE",
        "AND",
        "FOR",
        "ET",
        "UL",
        "UD",
        "VA",
    ]
)
_ROMAN = {"II": "2", "III": "3", "IV": "4", "VI": "6", "VII": "7", "VIII": "8", "IX": "9"}
# Single letters are initials unless they end a longer name ("ANA I" is a ship, "ALI V" is not common).
_ROMAN_LAST = {"I": "1", "V": "5", "X": "10"}
_ROMAN_ANY = frozenset([*_ROMAN, *_ROMAN_LAST])

# Words read as numbers: a number is compared as a number, never as a removed word.
_NUMERALS = frozenset([*_ROMAN, *_ROMAN_LAST, *NUMBER_WORDS])

_BRANCH_PAREN_RE = re.compile(r"\([^)]*\b(?:BRANCH|OFFICE|PORT)\b[^)]*\)")
_BRANCH_TAIL_RE = re.compile(r"\s*(?:,|\s-\s)[^,]*\b(?:BRANCH|OFFICE)\s*$")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ORDINAL_RE = re.compile(r"\b(\d+)(?:ST|ND|RD|TH)\b")
_DIGIT_EDGE_RE = re.compile(r"(?<=[A-Z])(?=\d)|(?<=\d)(?=[A-Z])")
_APOSTROPHE_RE = re.compile(r"['`\u2018\u2019\u02bc\u02bb.]")
_DIGIT_RE = re.compile(r"\d")
_ALNUM_RUN_RE = re.compile(r"[A-Z0-9]+")
_LEGAL_PHRASE_RE = re.compile(r"\b(?:" + "|".join(_LEGAL_PHRASES) + r")\b")
# Every phrase has several words, so it can only match where a word is its first word: without one, no search.
_LEGAL_PHRASE_STARTS = frozenset(phrase.split()[0] for phrase in _LEGAL_PHRASES)
# A legal form run together with the word before it (`SEABRASSLIMITED`, `TAWAFUKLTD`): only forms that no listed or
# labelled name ends a word with (`CORP` ends `INTERCORP`, `INC` ends `ZINC`, `SA` ends many words).
_GLUED_LEGAL_FORMS = ("LIMITED", "LTDA", "LTD", "LLC", "LLP", "CORPORATION", "INCORPORATED", "COMPANY", "GMBH", "PJSC",
                      "JSC", "FZLLC", "FZCO", "FZE", "PLC", "SARL", "EOOD")  # fmt: skip
_GLUED_MIN_LENGTH = 4 + min(map(len, _GLUED_LEGAL_FORMS))
_GLUED_LEGAL_SET = frozenset(_GLUED_LEGAL_FORMS)
_VESSEL_PREFIX_RE = re.compile(r"^\s*(?:M\s*/\s*[VTY]|M\.\s*[VTY]\.)\s+")
# Legal forms and titles: the words normalisation removes (one lookup a word).
_REMOVABLE = LEGAL_FORMS | TITLES


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A name as comparable tokens: upper-case ASCII, no punctuation, legal forms and titles removed."""

    tokens: tuple[str, ...]
    #: The tokens that are not numbers.
    words: tuple[str, ...] = field(init=False, compare=False, repr=False)
    #: The numbers in the name, sorted: names whose numbers differ name different parties.
    numbers: tuple[str, ...] = field(init=False, compare=False, repr=False)
    #: The same name read another way (a name in another script: ICU's transliteration besides anyascii's).
    other_reading: "NormalizedName | None" = field(default=None, compare=False, repr=False)
    #: Written in another script than Latin (the scorer calibrates pairs across scripts).
    other_script: bool = field(default=False, compare=False, repr=False)
    #: The words normalisation removed (legal forms, titles), in order: a mistyped form in the other name
    #: (`ZVO` for a removed `ZAO`, `LLK` for `LLC`) is not held against a match.
    removed: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __init__(
        self,
        tokens: tuple[str, ...],
        other_reading: "NormalizedName | None" = None,
        other_script: bool = False,
        removed: tuple[str, ...] = (),
    ) -> None:
        # Written out, not generated by `dataclass` (which keeps it): compiled, it runs natively, where the generated
        # one ran as Python (about a microsecond a name).
        set_field = object.__setattr__  # frozen
        set_field(self, "tokens", tokens)
        set_field(self, "other_reading", other_reading)
        set_field(self, "other_script", other_script)
        set_field(self, "removed", removed)
        # Computed once: the scorer reads them for every candidate. Without numbers (most names) the words are
        # the tokens themselves, one tuple less for each of the index's names.
        for token in tokens:
            if token.isdigit():
                set_field(self, "words", tuple(t for t in tokens if not t.isdigit()))
                set_field(self, "numbers", tuple(sorted(t for t in tokens if t.isdigit())))
                return
        set_field(self, "words", tokens)
        set_field(self, "numbers", ())

    @property
    def ordered(self) -> str:
        """Tokens in their original order, space separated."""
        return " ".join(self.tokens)

    @property
    def sorted(self) -> str:
        """Tokens in alphabetical order, space separated (word order does not count)."""
        return " ".join(sorted(self.tokens))


def _strip_annotations(text: str) -> str:
    if "BRANCH" not in text and "OFFICE" not in text and "PORT" not in text:
        return text  # the common case, without running the patterns
    stripped = _BRANCH_TAIL_RE.sub("", _BRANCH_PAREN_RE.sub(" ", text))
    # An annotation follows a name: where nothing of letters would be left (`39, OFFICE`), the words are the name.
    return stripped if any(char.isalpha() for char in stripped) else text


def letters_once(token: str) -> str:
    """The word with doubled letters written once."""
    # A loop over the letters, not `itertools.groupby`: compiled, it runs natively (a new word's keys ran 2 us each).
    kept: list[str] = []
    previous = ""
    for char in token:
        if char != previous:
            kept.append(char)
            previous = char
    return "".join(kept)


# Abbreviated legal forms that no name word is (`SAL` is one, and `SAAL` a surname), doubled letters written once.
_LEGAL_FORMS_ONCE = frozenset(
    ["LTD", "LTDA", "FZE", "FZCO", "FZC", "INC", "CORP", "GMBH", "PJSC", "OJSC", "CJSC", "JSC", "PLC", "LP"]
)


@lru_cache(maxsize=16384)
def _is_mistyped_legal_form(token: str) -> bool:
    """A long legal form mistyped (`LIMITEDD`, `COMPANI`): one edit from a form of six letters or more; or a form
    with a letter doubled (`FZZE`, `LTTD`)."""
    if token.isdigit():
        return False
    if len(token) < _MISTYPED_LEGAL_MIN:
        once = letters_once(token)
        return once != token and once in _LEGAL_FORMS_ONCE
    return any(OSA.distance(token, form, score_cutoff=1) <= 1 for form in _LONG_LEGAL_FORMS_NEAR.get(len(token), ()))


def _join_split_legal_forms(tokens: list[str]) -> list[str]:
    """A long legal form split in two after the first word (`LIM ITED`, `CORPORA TION`) as one word again."""
    if _LONG_LEGAL_FORM_STARTS.isdisjoint(tokens[1:-1]):
        return tokens  # the common case: no inner word begins a long form
    joined: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if position and position + 1 < len(tokens) and token + tokens[position + 1] in _LONG_LEGAL_FORM_SET:
            joined.append(token + tokens[position + 1])
            position += 2
            continue
        joined.append(token)
        position += 1
    return joined


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> NormalizedName:
    """Normalise a person, organisation or vessel name to comparable tokens (two readings for other scripts)."""
    text = without_legal_forms(name)
    if text.isascii():
        return _normalize_latin(text, name)
    text = cjk_numerals_to_digits(text)
    if is_latin(text):
        # Legal forms again without the accents: `CHÁRITABLE ORGANIZÁTÍON` is the form `CHARITABLE ORGANIZATION`, as
        # it would be written plain (the forms rigour knows with their accents went above: `SOCIÉTÉ ANONYME`).
        return _normalize_latin(_CAMEL_RE.sub(" ", without_legal_forms(anyascii(text))), anyascii(name))
    read = _normalize_latin(_CAMEL_RE.sub(" ", anyascii(text)))
    # Another script: anyascii's reading and ICU's rules for the script (`Джавад` DZHAVAD and DZAVAD), or a
    # dedicated romaniser's reading and anyascii's (`אלון` LWN and ALVN); the scorer takes the better of the two.
    first, second = script_readings(text)
    lead = _normalize_latin(first) if first is not None else None
    if lead is not None and lead.tokens:
        read, other = lead, read
    elif second is not None:
        other = _normalize_latin(second)
    else:  # evaluation only: `transliteration.icu_reading_off`
        return NormalizedName(read.tokens, other_script=True)
    if not other.tokens or other.tokens == read.tokens:
        return NormalizedName(read.tokens, other_script=True)
    return NormalizedName(read.tokens, other_reading=NormalizedName(other.tokens, other_script=True), other_script=True)


def _removed_words(raw: list[str], tokens: list[str]) -> tuple[str, ...]:
    """The words of a name as written that normalisation removed (numerals are read as numbers, not removed)."""
    kept = frozenset(tokens)
    return tuple(word for word in raw if word not in kept and not word.isdigit() and word not in _NUMERALS)


def _written_words(text: str) -> list[str]:
    """The words of a name in Latin letters, before anything is removed: upper case, punctuation and annotations
    gone, numbers and legal forms run together with a word set apart."""
    text = text.upper().replace("&", " AND ")
    text = _strip_annotations(text)
    if text.isascii() and text.replace(" ", "").isalpha():
        # The common case, letters and spaces only (no vessel prefix, apostrophe or number): without the patterns.
        words = text.split()
    else:
        if "/" in text or "." in text:  # either way of writing a vessel prefix has one
            text = _VESSEL_PREFIX_RE.sub(" ", text)
        text = _APOSTROPHE_RE.sub("", text)
        if _DIGIT_RE.search(text):
            text = _ORDINAL_RE.sub(r"\1", text)
            text = _DIGIT_EDGE_RE.sub(" ", text)
        words = _ALNUM_RUN_RE.findall(text)
    glued = [word for word in words if len(word) >= _GLUED_MIN_LENGTH and word.endswith(_GLUED_LEGAL_FORMS)]
    if not glued or all(word in _GLUED_LEGAL_SET for word in glued):
        return words  # the common case: no form run together with a word
    return [part for word in words for part in (_unglued(word) if word in glued else (word,))]


def _unglued(word: str) -> tuple[str, ...]:
    """A word with the legal form it ends with set apart (`SEABRASSLIMITED` -> `SEABRASS`, `LIMITED`)."""
    for form in _GLUED_LEGAL_FORMS:
        if word.endswith(form) and len(word) - len(form) >= 4 and word[: -len(form)].isalpha():
            return word[: -len(form)], form
    return (word,)


def _normalize_latin(text: str, written: str | None = None) -> NormalizedName:
    """Tokens of a name already in Latin letters; with the words removed from it as `written` (before rigour
    removed spelled-out legal forms), if given."""
    raw = _written_words(text)
    if not raw:
        return NormalizedName(())
    stripped = raw if _LEGAL_PHRASE_STARTS.isdisjoint(raw) else _LEGAL_PHRASE_RE.sub(" ", " ".join(raw)).split()
    if len(stripped) > 2:
        stripped = _join_split_legal_forms(stripped)
    if stripped and stripped[0] in VESSEL_PREFIXES and len(stripped) > 1:
        stripped = stripped[1:]
    # A mistyped legal form is only taken for one after the first word (`LIMITER SYSTEMS` is a name).
    tokens = numbers_as_digits(
        [
            token
            for position, token in enumerate(stripped)
            if token not in _REMOVABLE and not (position and _is_mistyped_legal_form(token))
        ]
    )
    if not tokens:
        # A name made only of removable words ("THE COMPANY") is still a name: keep it whole.
        tokens = raw
    if _ROMAN_ANY.isdisjoint(tokens):
        numbered = tokens  # the common case: no Roman numeral to read
    else:
        last = len(tokens) - 1
        numbered = [
            _ROMAN.get(token) or (_ROMAN_LAST.get(token) if index == last and index > 0 else None) or token
            for index, token in enumerate(tokens)
        ]
    if written is None or (written == text and len(tokens) == len(raw)):
        # Nothing removed from the name as written (each step only drops words or reads number words as numbers,
        # which are not removed words): most names.
        return NormalizedName(tuple(numbered))
    # The same text as written (no spelled-out form removed, nothing set apart): its words are already known.
    removed = _removed_words(raw if written == text else _written_words(written), tokens)
    return NormalizedName(tuple(numbered), removed=removed)


_PHONETIC_MAP = str.maketrans(
    {
        "P": "B",
        "V": "F",
        "W": None,
        "C": "K",
        "Q": "K",
        "G": "K",
        "Z": "S",
        "X": "S",
        "J": "S",
        "D": "T",
        "A": None,
        "E": None,
        "I": None,
        "O": None,
        "U": None,
        "Y": None,
    }
)
# Cyrillic HA and the Arabic letters HAA and KHAA all come out as H or KH, so KH and H sound alike here.
_DIGRAPHS = (
    ("DZH", "J"),
    ("ZH", "J"),
    ("PH", "F"),
    ("KH", "H"),
    ("GH", "K"),
    ("SH", "S"),
    ("CH", "S"),
    ("TH", "T"),
    ("DH", "T"),
    ("DJ", "J"),
    ("X", "KS"),
)


@lru_cache(maxsize=262144)
def phonetic_key(token: str) -> str:
    """A coarse sound key (vowels dropped, similar consonants merged) so `MUHAMMAD` and `MOHAMMED` agree."""
    for digraph, replacement in _DIGRAPHS:
        if digraph in token:
            token = token.replace(digraph, replacement)
    # Vowels go entirely, the first one too: abjad scripts (Arabic, Hebrew) transliterate without them.
    return letters_once(token.translate(_PHONETIC_MAP))[:6] or token[:1]


@lru_cache(maxsize=262144)
def sound_onset(token: str) -> str:
    """The first sound of a word: digraphs merged (`DZH` = `J`, `KH` = `H`), any vowel as `A`."""
    head = token[:3]
    for digraph, replacement in _DIGRAPHS:
        head = head.replace(digraph, replacement)
    return "A" if head[0] in "AEIOUY" else head[0]


# Spellings that romanisations of one sound disagree on, merged; vowels stay (unlike `phonetic_key`), so
# `MELLAT` and `MELLI` stay apart while `VICTOR` and `VIKTOR`, `DZHORGE` and `JORGE`, `MELAT` and `MELLAT` meet.
_SPELLING_DIGRAPHS = (("DZH", "J"), ("ZH", "J"), ("DJ", "J"), ("PH", "F"), ("KH", "H"), ("CK", "K"), ("OU", "U"))
_SPELLING_MAP = str.maketrans({"C": "K", "Q": "K", "W": "V", "Y": "I", "Z": "S", "X": "KS"})


@lru_cache(maxsize=262144)
def spelling_key(token: str) -> str:
    """A word with romanisation variants merged and doubled letters written once, for a quick comparison."""
    for digraph, replacement in _SPELLING_DIGRAPHS:
        if digraph in token:
            token = token.replace(digraph, replacement)
    return letters_once(token.translate(_SPELLING_MAP))
