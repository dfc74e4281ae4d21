"""Variants of whole listed names, and how many of them the index finds: the candidate-generation recall.

`python -m portcullis.shared.screening.variants data/ofac-sdn [PER_KIND]` prints, per kind of variant, the share
of variants whose entry reaches full scoring (a candidate), is found at the threshold, and is among the top 3;
`--seed N` draws other variants (develop on another seed than the measurement's), `--misses` lists the lost ones.
"""

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from portcullis.shared.screening.entries import ScreeningQuery, WatchlistEntry
from portcullis.shared.screening.matcher import DEFAULT_MATCH_THRESHOLD, WatchlistIndex
from portcullis.shared.screening.pairs import in_cyrillic, surname_first, with_typos

SEED = 20261203
_VOWELS = "AEIOU"
# Spellings that romanisations of one sound disagree on (Russian, Arabic, Persian, Chinese names).
_ROMANISATIONS = (
    ("KH", "H"),
    ("OU", "U"),
    ("EE", "I"),
    ("Y", "I"),
    ("J", "Y"),
    ("DZH", "J"),
    ("V", "W"),
    ("K", "C"),
    ("C", "K"),
    ("PH", "F"),
    ("SH", "SCH"),
    ("Q", "K"),
    ("IE", "I"),
    ("EI", "AY"),
    ("OO", "U"),
)
_SCHEMAS = {"person": "Person", "organization": "Organization", "vessel": "Vessel"}


@dataclass(frozen=True, slots=True)
class NameVariant:
    """A listed name written another way, with the entry it must find and how it was made."""

    entry_id: str
    listed: str
    query: str
    kind: str
    schema: str | None


def _letters(name: str) -> list[int]:
    return [i for i, c in enumerate(name) if c.isalpha()]


def doubled_letters(rng: random.Random, name: str) -> str | None:
    """A doubled letter written once (`MELLAT` -> `MELAT`), or a single one doubled."""
    doubles = [i for i in range(1, len(name)) if name[i].isalpha() and name[i] == name[i - 1]]
    if doubles:
        i = rng.choice(doubles)
        return name[:i] + name[i + 1 :]
    consonants = [i for i in _letters(name)[1:] if name[i].upper() not in _VOWELS]
    if not consonants:
        return None
    i = rng.choice(consonants)
    return name[:i] + name[i] + name[i:]


def vowel_change(rng: random.Random, name: str) -> str | None:
    """One vowel written as another (`VIKTOR` -> `VIKTAR`), as romanisations disagree on vowels."""
    vowels = [i for i in _letters(name)[1:] if name[i].upper() in _VOWELS]
    if not vowels:
        return None
    i = rng.choice(vowels)
    other = rng.choice([v for v in _VOWELS if v != name[i].upper()])
    return name[:i] + (other if name[i].isupper() else other.lower()) + name[i + 1 :]


def romanisation(rng: random.Random, name: str) -> str | None:
    """A spelling of a sound replaced by another romanisation's (`KH` -> `H`, `V` -> `W`); two in long names."""
    text = name.upper()
    rules = [(a, b) for a, b in _ROMANISATIONS if a in text]
    if not rules:
        return None
    changes = 2 if len(text) >= 16 else 1
    for source, target in rng.sample(rules, min(changes, len(rules))):
        starts = [m.start() for m in re.finditer(source, text)]
        if not starts:  # the first replacement took it
            continue
        at = rng.choice(starts)
        text = text[:at] + target + text[at + len(source) :]
    return text


def spacing(rng: random.Random, name: str) -> str | None:
    """Two words run together, or a long word split in two (`ZHENRONG` -> `ZHEN RONG`)."""
    words = name.upper().split()
    if len(words) > 1 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
    long_words = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
    if not long_words:
        return None
    i = rng.choice(long_words)
    cut = rng.randint(3, len(words[i]) - 3)
    return " ".join([*words[:i], words[i][:cut], words[i][cut:], *words[i + 1 :]])


def word_order(rng: random.Random, name: str) -> str | None:
    """The words in another order: surname first, or shuffled."""
    words = name.split()
    if len(words) < 2:
        return None
    if rng.random() < 0.5:
        return surname_first(name)
    shuffled = words[:]
    while shuffled == words:
        rng.shuffle(shuffled)
    return " ".join(shuffled)


def middle_name_dropped(rng: random.Random, name: str) -> str | None:
    """A person's name without a middle name or patronymic (`Viktor Anatolijevitch BOUT` -> `Viktor BOUT`)."""
    words = name.split()
    if len(words) < 3:
        return None
    i = rng.randrange(1, len(words) - 1)
    return " ".join([*words[:i], *words[i + 1 :]])


_MAKERS: dict[str, tuple[frozenset[str], Callable[[random.Random, str], str | None]]] = {
    "typo_1": (frozenset(_SCHEMAS), lambda rng, n: with_typos(rng, n, 1)),
    "typo_2": (frozenset(_SCHEMAS), lambda rng, n: with_typos(rng, n, 2) if len(n) >= 10 else None),
    "doubled_letter": (frozenset(_SCHEMAS), doubled_letters),
    "vowel": (frozenset(_SCHEMAS), vowel_change),
    "romanisation": (frozenset(_SCHEMAS), romanisation),
    "spacing": (frozenset(_SCHEMAS), spacing),
    "word_order": (frozenset(_SCHEMAS), word_order),
    "middle_name_dropped": (frozenset({"person"}), middle_name_dropped),
    "cyrillic": (frozenset({"person"}), lambda _rng, n: in_cyrillic(n)),
}


def generate_variants(entries: Sequence[WatchlistEntry], per_kind: int, seed: int = SEED) -> list[NameVariant]:
    """Up to `per_kind` variants of each kind, of randomly drawn listed primary names, reproducibly for a seed."""
    rng = random.Random(seed)
    named = [e for e in entries if e.kind in _SCHEMAS and len(e.name.replace(" ", "")) >= 4]
    variants: list[NameVariant] = []
    for kind, (entry_kinds, make) in _MAKERS.items():
        pool = [e for e in named if e.kind in entry_kinds]
        made = 0
        for entry in rng.sample(pool, len(pool)):
            if made >= per_kind:
                break
            query = make(rng, entry.name)
            if not query or query.upper() == entry.name.upper():
                continue
            schema = _SCHEMAS[entry.kind] if rng.random() < 0.5 else None
            variants.append(NameVariant(entry.entry_id, entry.name, query, kind, schema))
            made += 1
    return variants


@dataclass(frozen=True, slots=True)
class VariantRecall:
    """Of a kind of variant: how many, the shares blocked and scored (candidates), found and in the top 3."""

    variants: int
    blocked: float
    scored: float
    found: float
    top3: float


def _outcome(index: WatchlistIndex, variant: NameVariant) -> tuple[bool, bool, bool, bool]:
    """Whether the variant's entry was a blocking candidate, reached the full scorer, was found, and in the top 3."""
    query = ScreeningQuery(name=variant.query, schema=variant.schema)  # type: ignore[arg-type]
    blocked, scored = index.shortlist(query)
    ranked = [m.entry.entry_id for m in index.screen(query)]
    entry_id = variant.entry_id
    return entry_id in blocked, entry_id in scored, entry_id in ranked, entry_id in ranked[:3]


def measure_recall(index: WatchlistIndex, variants: Sequence[NameVariant]) -> dict[str, VariantRecall]:
    """Per kind of variant (and `all`): the share whose entry reached full scoring, matched, and ranked top 3."""
    outcomes: dict[str, list[tuple[bool, bool, bool, bool]]] = defaultdict(list)
    for variant in variants:
        outcome = _outcome(index, variant)
        outcomes[variant.kind].append(outcome)
        outcomes["all"].append(outcome)
    return {
        kind: VariantRecall(
            len(rows),
            round(sum(r[0] for r in rows) / len(rows), 4),
            round(sum(r[1] for r in rows) / len(rows), 4),
            round(sum(r[2] for r in rows) / len(rows), 4),
            round(sum(r[3] for r in rows) / len(rows), 4),
        )
        for kind, rows in outcomes.items()
    }


def lost_variants(index: WatchlistIndex, variants: Sequence[NameVariant]) -> list[dict[str, str | None]]:
    """The variants whose entry is not found at the threshold, each with where it was lost: never a blocking
    candidate (`not blocked`), a candidate the pre-score kept from the full scorer (`not scored`), or scored under
    the threshold (`scored under`)."""
    lost: list[dict[str, str | None]] = []
    for variant in variants:
        blocked, scored, found, _ = _outcome(index, variant)
        if not found:
            stage = "scored under" if scored else "not scored" if blocked else "not blocked"
            lost.append({**asdict(variant), "lost": stage})
    return lost


def main(argv: Sequence[str]) -> None:
    """Print the recall per kind of variant: `python -m portcullis.shared.screening.variants SDN_DIR [PER_KIND]
    [--seed N] [--threshold T] [--learned] [--misses]` (`--threshold`: found at T instead of the default
    threshold; `--learned`: with the learned pair scorer instead of the default one; `--misses`: the lost variants
    too, one JSON object a line after the recall)."""
    from portcullis.shared.screening.ofac import load_ofac_sdn
    from portcullis.shared.screening.scoring import learned_similarity, name_similarity

    parser = argparse.ArgumentParser(prog="python -m portcullis.shared.screening.variants")
    parser.add_argument("sdn_directory", type=Path)
    parser.add_argument("per_kind", type=int, nargs="?", default=500)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threshold", type=float, default=DEFAULT_MATCH_THRESHOLD)
    parser.add_argument("--learned", action="store_true")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    entries = load_ofac_sdn(args.sdn_directory)
    index = WatchlistIndex(
        match_threshold=args.threshold,
        result_cache_size=0,
        pair_scorer=learned_similarity if args.learned else name_similarity,
    )
    index.extend(entries)
    variants = generate_variants(entries, args.per_kind, args.seed)
    recall = measure_recall(index, variants)
    print(json.dumps({kind: asdict(row) for kind, row in recall.items()}, indent=1))
    if args.misses:
        for lost in lost_variants(index, variants):
            print(json.dumps(lost, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
