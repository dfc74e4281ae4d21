# ruff: noqa: RUF001  (Cyrillic letters that look Latin are the point of the transliteration table)
"""A labelled set of name pairs built from the OFAC SDN list: realistic variants and hard non-matches.

Run `python -m portcullis.shared.screening.pairs data/ofac-sdn tests/data/name_pairs.csv` to rebuild it;
the seed makes it reproducible.
"""

import csv
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from portcullis.shared.screening.entries import WatchlistEntry
from portcullis.shared.screening.normalize import LEGAL_FORMS, PARTICLES, normalize_name, phonetic_key
from portcullis.shared.screening.scoring import compare_names

SEED = 20261125
_SCHEMAS = {"person": "Person", "organization": "Company", "vessel": "Vessel"}
_ACCENTS = {"A": "Á", "E": "É", "I": "Í", "O": "Ó", "U": "Ü", "N": "Ñ", "C": "Ç", "S": "Š", "Z": "Ž"}
# Latin to Cyrillic, digraphs first: how a Russian name is written in its own script.
_CYRILLIC = [
    ("SHCH", "Щ"), ("KH", "Х"), ("ZH", "Ж"), ("TS", "Ц"), ("CH", "Ч"), ("SH", "Ш"), ("YU", "Ю"), ("YA", "Я"),
    ("YE", "Е"), ("YO", "Ё"), ("IY", "ИЙ"), ("Y", "Ы"), ("A", "А"), ("B", "Б"), ("V", "В"), ("G", "Г"),
    ("D", "Д"), ("E", "Е"), ("Z", "З"), ("I", "И"), ("J", "ДЖ"), ("K", "К"), ("L", "Л"), ("M", "М"), ("N", "Н"),
    ("O", "О"), ("P", "П"), ("R", "Р"), ("S", "С"), ("T", "Т"), ("U", "У"), ("F", "Ф"), ("H", "Х"), ("W", "В"),
    ("X", "КС"), ("C", "К"), ("Q", "К"),
]  # fmt: skip
_ARABIC = {
    "MUHAMMAD": "محمد", "MOHAMMED": "محمد", "MOHAMMAD": "محمد", "MOHAMED": "محمد", "MUHAMMED": "محمد",
    "AHMAD": "أحمد", "AHMED": "أحمد", "ALI": "علي", "HASAN": "حسن", "HASSAN": "حسن", "HUSAYN": "حسين",
    "HUSSEIN": "حسين", "HUSSAIN": "حسين", "ABD": "عبد", "ABDUL": "عبد", "ALLAH": "الله", "ABDALLAH": "عبدالله",
    "ABDULLAH": "عبدالله", "KHALID": "خالد", "KHALED": "خالد", "UMAR": "عمر", "OMAR": "عمر", "YUSUF": "يوسف",
    "YOUSSEF": "يوسف", "IBRAHIM": "إبراهيم", "MUSTAFA": "مصطفى", "MAHMOUD": "محمود", "MAHMUD": "محمود",
    "SAID": "سعيد", "SAEED": "سعيد", "SALIH": "صالح", "SALEH": "صالح", "JAMAL": "جمال", "KAMAL": "كمال",
    "NASIR": "ناصر", "NASSER": "ناصر", "KARIM": "كريم", "AZIZ": "عزيز", "HAMID": "حميد", "HAMAD": "حمد",
    "MAJID": "ماجد", "RASHID": "رشيد", "SULAYMAN": "سليمان", "SULEIMAN": "سليمان", "ISMAIL": "إسماعيل",
    "YAHYA": "يحيى", "ZAYD": "زيد", "ABU": "أبو", "BIN": "بن", "IBN": "ابن", "ABBAS": "عباس", "JAFAR": "جعفر",
    "KHALIL": "خليل", "HAMZA": "حمزة", "MUSA": "موسى", "ISA": "عيسى", "YUNUS": "يونس", "ADNAN": "عدنان",
    "FAISAL": "فيصل", "TARIQ": "طارق", "WALID": "وليد", "BAKR": "بكر", "USAMA": "أسامة", "SAAD": "سعد",
    "ABDEL": "عبد", "AL": "ال", "HAJJ": "حاج", "NUR": "نور", "NOOR": "نور", "AMIN": "أمين", "FARUQ": "فاروق",
}  # fmt: skip
_CHINESE = {
    "WANG": "王", "ZHANG": "张", "LI": "李", "WEI": "伟", "JIANG": "江", "PING": "平", "GUO": "郭", "YING": "英",
    "ZHONG": "中", "HAI": "海", "ZHEN": "振", "RONG": "荣", "HUA": "华", "CHEN": "陈", "LIN": "林", "XIN": "新",
    "MING": "明", "JUN": "军", "HONG": "红", "FANG": "芳", "YUN": "云", "JIAN": "建", "GUANG": "光", "LONG": "龙",
    "SHAN": "山", "DONG": "东", "XIANG": "祥", "HE": "和", "ZHOU": "周", "WU": "吴", "XU": "徐", "SUN": "孙",
    "MA": "马", "ZHU": "朱", "HU": "胡", "GAO": "高", "LIANG": "梁", "SONG": "宋", "TANG": "唐", "FENG": "冯",
    "YU": "于", "DENG": "邓", "CAO": "曹", "PENG": "彭", "ZENG": "曾", "XIAO": "肖", "TIAN": "田", "DING": "丁",
    "LU": "陆", "JIA": "贾", "WEN": "文", "FU": "福", "GUI": "贵", "HUI": "辉", "QIANG": "强", "JIE": "杰",
}  # fmt: skip
_TITLES = ["Dr.", "Sheikh", "Mr", "Haji", "Mrs", "Shaykh", "Mullah"]
_LEGAL_VARIANTS = [", LLC", " LIMITED", " CO., LTD.", " JSC", " GmbH", " S.A.", " INC.", " FZE", " PJSC", " LLP"]
_LEGAL_PREFIXES = ["OOO ", "ZAO ", "OAO "]
_BUSINESS_WORDS = [
    "TRADING", "SHIPPING", "LOGISTICS", "INVESTMENT", "PETROLEUM", "CONSTRUCTION", "ELECTRONICS", "INDUSTRIES",
    "HOLDING", "MARINE", "TECHNOLOGY", "EXCHANGE", "ENGINEERING", "CHEMICALS", "TEXTILES", "PHARMA", "AVIATION",
    "MINING", "STEEL", "FOODS", "TRAVEL", "ENERGY", "AGRICULTURE", "INSURANCE", "CONSULTING", "MACHINERY",
]  # fmt: skip
_VESSEL_PREFIXES = ["MV ", "M/V ", "M/T ", "MT ", "M.V. "]
_BRANCHES = [" (DUBAI BRANCH)", ", ABU DHABI BRANCH", " (HAMBURG BRANCH)", " - KISH ISLAND BRANCH"]


@dataclass(frozen=True, slots=True)
class NamePair:
    """Two names, whether they name the same party (label 1) and how the pair was made."""

    name1: str
    name2: str
    schema: str
    label: int
    variant: str


def with_typos(rng: random.Random, name: str, edits: int) -> str:
    """The name with `edits` random typing errors (substitution, deletion, insertion, transposition)."""
    chars = list(name)
    for _ in range(edits):
        positions = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(positions) < 4:
            break
        i = rng.choice(positions[1:])
        operation = rng.choice(("substitute", "delete", "insert", "transpose"))
        letter = rng.choice("ABCDEFGHIKLMNOPRSTUVY")
        letter = letter if chars[i].isupper() else letter.lower()
        if operation == "substitute":
            chars[i] = letter
        elif operation == "delete":
            del chars[i]
        elif operation == "insert":
            chars.insert(i, letter)
        elif i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def with_accents(rng: random.Random, name: str) -> str:
    """The name with up to three letters accented (`JOSE` -> `JOSÉ`)."""
    chars = list(name)
    positions = [i for i, c in enumerate(chars) if c.upper() in _ACCENTS]
    for i in rng.sample(positions, min(len(positions), 3)):
        accented = _ACCENTS[chars[i].upper()]
        chars[i] = accented if chars[i].isupper() else accented.lower()
    return "".join(chars)


def in_cyrillic(name: str) -> str:
    """The name written in Cyrillic letters, as a Russian document would spell it (roughly)."""
    text = name.upper()
    for latin, cyrillic in _CYRILLIC:
        text = text.replace(latin, cyrillic)
    return " ".join(word.capitalize() for word in text.split())


def _split_syllables(word: str) -> list[str] | None:
    if not word:
        return []
    for size in range(min(len(word), 6), 0, -1):
        head = word[:size]
        if head in _CHINESE:
            rest = _split_syllables(word[size:])
            if rest is not None:
                return [head, *rest]
    return None


def _chinese(tokens: Sequence[str]) -> str | None:
    words = []
    for token in tokens:
        syllables = _split_syllables(token)
        if not syllables:
            return None
        words.append("".join(_CHINESE[s] for s in syllables))
    return "".join(words)


def _arabic(tokens: Sequence[str]) -> str | None:
    if not all(t in _ARABIC for t in tokens):
        return None
    return " ".join(_ARABIC[t] for t in tokens)


def surname_first(name: str) -> str:
    """`Given Names SURNAME` as `SURNAME, Given Names`."""
    words = name.split()
    return f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name


def _schema(entry: WatchlistEntry) -> str | None:
    return _SCHEMAS.get(entry.kind)


def _positive_pairs(rng: random.Random, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs: list[NamePair] = []
    persons = [e for e in entries if e.kind == "person"]
    orgs = [e for e in entries if e.kind == "organization"]
    vessels = [e for e in entries if e.kind == "vessel"]
    named = persons + orgs + vessels

    def add(pool: Sequence[WatchlistEntry], count: int, variant: str, make: Callable[[str], str | None]) -> None:
        made = 0
        for entry in rng.sample(list(pool), len(pool)):
            if made >= count:
                return
            variant_name = make(entry.name)
            schema = _schema(entry)
            if variant_name and schema and variant_name != entry.name:
                pairs.append(NamePair(entry.name, variant_name, schema, 1, variant))
                made += 1

    add(named, 200, "accents", lambda n: with_accents(rng, n))
    add(named, 200, "case_punctuation", lambda n: n.lower().replace(" ", "-", 1) if " " in n else n.lower() + ".")
    add(persons, 150, "cyrillic", in_cyrillic)
    add(persons, 150, "arabic_script", lambda n: _arabic(normalize_name(n).tokens))
    add(named, 60, "chinese_script", lambda n: _chinese(normalize_name(n).tokens))
    add(persons, 200, "word_order", surname_first)
    add(orgs, 150, "word_order", lambda n: " ".join(reversed(n.split())) if len(n.split()) > 1 else None)
    add(
        orgs,
        200,
        "legal_form",
        lambda n: rng.choice(_LEGAL_PREFIXES) + n if rng.random() < 0.2 else n + rng.choice(_LEGAL_VARIANTS),
    )
    add(persons, 150, "title", lambda n: f"{rng.choice(_TITLES)} {n}")
    add(named, 300, "typo_1", lambda n: with_typos(rng, n, 1))
    add(named, 200, "typo_2", lambda n: with_typos(rng, n, 2) if len(n) >= 10 else None)
    add(vessels, 150, "vessel_prefix", lambda n: rng.choice(_VESSEL_PREFIXES) + n)
    add(orgs, 100, "branch", lambda n: n + rng.choice(_BRANCHES))
    # Real spelling variants from the list itself: aliases that sound like the primary name.
    aliases = 0
    for entry in rng.sample(named, len(named)):
        schema = _schema(entry)
        primary = normalize_name(entry.name)
        for alias in entry.aliases:
            other = normalize_name(alias)
            shared = {phonetic_key(t) for t in primary.words} & {phonetic_key(t) for t in other.words}
            longest = max(len(primary.words), len(other.words))
            # Spelling variants only: most words must sound alike (translations and acronyms are not names).
            if schema and abs(len(primary.words) - len(other.words)) <= 1 and 3 * len(shared) >= 2 * longest:
                pairs.append(NamePair(entry.name, alias, schema, 1, "listed_alias"))
                aliases += 1
                break
        if aliases >= 400:
            break
    return pairs


def _is_distinctive(word: str) -> bool:
    letters = re.sub(r"[^A-Z]", "", word.upper())
    return len(letters) >= 3 and letters not in LEGAL_FORMS and letters not in PARTICLES and letters != "CV"


def _negative_pairs(rng: random.Random, entries: Sequence[WatchlistEntry]) -> list[NamePair]:
    pairs: list[NamePair] = []
    persons = [e for e in entries if e.kind == "person"]
    orgs = [e for e in entries if e.kind == "organization"]
    vessels = [e for e in entries if e.kind == "vessel"]
    # Different people sharing a surname (the last word of the natural-order name), from the list itself.
    by_surname: dict[str, list[WatchlistEntry]] = defaultdict(list)
    for person in persons:
        by_surname[person.name.split()[-1].upper()].append(person)
    families = [group for group in by_surname.values() if len(group) > 1]
    for group in rng.sample(families, min(len(families), 400)):
        first, second = rng.sample(group, 2)
        if normalize_name(first.name) != normalize_name(second.name):
            pairs.append(NamePair(first.name, second.name, "Person", 0, "same_surname"))
    # Sibling companies: same stem, a different distinctive word.
    made = 0
    for org in rng.sample(orgs, len(orgs)):
        words = org.name.split()
        substantive = [i for i, w in enumerate(words) if i > 0 and _is_distinctive(w)]
        if len(words) < 2 or not substantive:
            continue
        i = rng.choice(substantive)
        replacement = rng.choice([w for w in _BUSINESS_WORDS if w != words[i].upper()])
        sibling = " ".join([*words[:i], replacement, *words[i + 1 :]])
        pairs.append(NamePair(org.name, sibling, "Company", 0, "sibling_company"))
        made += 1
        if made >= 400:
            break
    # Numbered ships and companies: sister ships and numbered companies are different parties.
    for entry in rng.sample(vessels + orgs, 300):
        schema = "Vessel" if entry.kind == "vessel" else "Company"
        number = rng.randint(1, 9)
        if rng.random() < 0.5:
            pairs.append(NamePair(f"{entry.name} {number}", f"{entry.name} {number + 1}", schema, 0, "numbered"))
        else:
            pairs.append(NamePair(entry.name, f"{entry.name} {number}", schema, 0, "numbered"))
    # Different listed parties whose names share their first word (what blocking puts side by side).
    by_first: dict[str, list[WatchlistEntry]] = defaultdict(list)
    for entry in orgs + vessels:
        tokens = normalize_name(entry.name).tokens
        if tokens:
            by_first[tokens[0]].append(entry)
    groups = [group for group in by_first.values() if len(group) > 1]
    for group in rng.sample(groups, min(len(groups), 300)):
        first, second = rng.sample(group, 2)
        first_schema = _schema(first)
        if first_schema and normalize_name(first.name) != normalize_name(second.name):
            pairs.append(NamePair(first.name, second.name, first_schema, 0, "shared_first_word"))
    # Unrelated listed names of the same kind.
    for pool in (persons, orgs):
        for _ in range(150):
            first, second = rng.sample(pool, 2)
            pool_schema = _schema(first)
            if pool_schema:
                pairs.append(NamePair(first.name, second.name, pool_schema, 0, "unrelated"))
    return pairs


def generate_name_pairs(entries: Sequence[WatchlistEntry], seed: int = SEED) -> list[NamePair]:
    """Matching variants and hard non-matches drawn from the entries, reproducibly for a seed."""
    rng = random.Random(seed)
    return _positive_pairs(rng, entries) + _negative_pairs(rng, entries)


def write_name_pairs(pairs: Iterable[NamePair], path: Path) -> None:
    """Write pairs as CSV: name1, name2, schema, label, variant."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name1", "name2", "schema", "label", "variant"])
        for pair in pairs:
            writer.writerow([pair.name1, pair.name2, pair.schema, pair.label, pair.variant])


def read_name_pairs(path: Path) -> list[NamePair]:
    """Read a labelled pair CSV written by `write_name_pairs`."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            NamePair(row["name1"], row["name2"], row["schema"], int(row["label"]), row["variant"])
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """Recall and false-positive rate of the scorer at one threshold."""

    threshold: float
    recall: float
    false_positive_rate: float
    precision: float


def evaluate(pairs: Sequence[NamePair], thresholds: Iterable[float]) -> list[ThresholdRow]:
    """Recall and false-positive rate of `compare_names` on labelled pairs, at each threshold."""
    scored = [(compare_names(p.name1, p.name2, p.schema), p.label) for p in pairs]
    positives = sum(label for _, label in scored) or 1
    negatives = (len(scored) - sum(label for _, label in scored)) or 1
    rows = []
    for threshold in thresholds:
        true_positives = sum(1 for score, label in scored if label and score >= threshold)
        false_positives = sum(1 for score, label in scored if not label and score >= threshold)
        predicted = (true_positives + false_positives) or 1
        rows.append(
            ThresholdRow(threshold, true_positives / positives, false_positives / negatives, true_positives / predicted)
        )
    return rows


def recall_by_variant(pairs: Sequence[NamePair], threshold: float) -> dict[str, tuple[int, float]]:
    """Per variant: how many pairs and the share scored on the right side of the threshold."""
    outcome: dict[str, list[bool]] = defaultdict(list)
    for pair in pairs:
        matched = compare_names(pair.name1, pair.name2, pair.schema) >= threshold
        outcome[pair.variant].append(matched == bool(pair.label))
    return {variant: (len(results), sum(results) / len(results)) for variant, results in sorted(outcome.items())}


def main(argv: Sequence[str]) -> None:
    """Build the labelled pair set: `python -m portcullis.shared.screening.pairs SDN_DIR OUTPUT_CSV`."""
    from portcullis.shared.screening.ofac import load_ofac_sdn

    write_name_pairs(generate_name_pairs(load_ofac_sdn(Path(argv[0]))), Path(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
