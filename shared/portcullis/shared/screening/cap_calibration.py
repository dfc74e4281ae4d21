"""Calibration of the scorer's caps: how high a pair may score that carries evidence of two different parties.

`python -m portcullis.shared.screening.cap_calibration data/ofac-sdn tests/data/name_pairs.csv`

A cap is a rule (`scoring.py`: numbers that differ, a number on one side, different lines of business, no
distinctive word shared). Its level decides where capped pairs rank among all others, and so the AUC pooled over
kinds of pair, while every cap below the threshold leaves the matches at 0.85 as they are. The level is calibrated,
not guessed: a monotone (isotonic) fit of the training pairs' match rate against their score, on the pairs no cap
applies to, gives the score at which the match rate equals the capped pairs' own (matches plus one over pairs plus
two). The capped pairs' rate is counted on the training pairs (`pair_training.training_pairs`: the tuning set, a
second generated set, generated variants of listed names and the index's neighbours for them) and, for the caps
that compare otherwise alike names, on the listed names themselves: two names of one entry are the same party, two
names of different entries are not. The held-out set (data/name-pairs-heldout) is never read here.
"""

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from portcullis.shared.screening.entries import WatchlistEntry
from portcullis.shared.screening.generic import business_words, is_business_word
from portcullis.shared.screening.normalize import PARTICLES, NormalizedName, normalize_name
from portcullis.shared.screening.pair_training import training_pairs
from portcullis.shared.screening.pairs import NamePair
from portcullis.shared.screening.scoring import name_similarity, no_distinctive_word_shared

NUMBERS_DIFFER = "numbers differ"
ONE_SIDED_NUMBER = "number on one side"
BUSINESS_DIFFERS = "lines of business differ"
NO_DISTINCTIVE_WORD = "no distinctive word shared"
CAPS = (NUMBERS_DIFFER, ONE_SIDED_NUMBER, BUSINESS_DIFFERS, NO_DISTINCTIVE_WORD)


@dataclass(frozen=True, slots=True)
class CapEvidence:
    """Matches and pairs of one cap: among the training pairs and among the listed names' own pairs."""

    training_matches: int = 0
    training_pairs: int = 0
    listed_same_entry: int = 0
    listed_pairs: int = 0

    @property
    def match_rate(self) -> float:
        """Matches plus one over pairs plus two (no match seen is not a rate of zero)."""
        matches = self.training_matches + self.listed_same_entry
        return (matches + 1) / (self.training_pairs + self.listed_pairs + 2)


def cap_of(a: NormalizedName, b: NormalizedName) -> str | None:
    """Which cap applies to two names (the strongest, in `CAPS` order), None when none does."""
    if a.numbers != b.numbers:
        return NUMBERS_DIFFER if a.numbers and b.numbers else ONE_SIDED_NUMBER
    business_a, business_b = business_words(a.words), business_words(b.words)
    if business_a and business_b and not business_a <= business_b and not business_b <= business_a:
        return BUSINESS_DIFFERS
    if no_distinctive_word_shared(a, b):  # as the scorer judges it: in every reading of the names
        return NO_DISTINCTIVE_WORD
    return None


def isotonic_rates(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The scores sorted and the match rate fitted to them, never falling as the score rises (pool adjacent
    violators)."""
    order = np.argsort(scores, kind="mergesort")
    means: list[float] = []
    sizes: list[int] = []
    for label in labels[order]:
        means.append(float(label))
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            mean, size = means.pop(), sizes.pop()
            means[-1] = (means[-1] * sizes[-1] + mean * size) / (sizes[-1] + size)
            sizes[-1] += size
    return scores[order], np.repeat(means, sizes)


def calibrated_cap(rate: float, sorted_scores: np.ndarray, fitted: np.ndarray) -> float:
    """The highest score whose fitted match rate is at most `rate`, rounded down to two decimals (0 when none)."""
    below = sorted_scores[fitted <= rate]
    return float(np.floor(below.max() * 100) / 100) if len(below) else 0.0


def _stem(name: NormalizedName, cap: str) -> tuple[str, ...]:
    """What two names must share for a cap to compare otherwise alike names: their words (numbers are not words),
    or their words but the business words and particles."""
    if cap == BUSINESS_DIFFERS:
        return tuple(sorted(w for w in name.words if not is_business_word(w) and w not in PARTICLES))
    return tuple(sorted(name.words))


#: The caps each kind of otherwise alike names is counted for.
_COUNTED = {NUMBERS_DIFFER: (NUMBERS_DIFFER, ONE_SIDED_NUMBER), BUSINESS_DIFFERS: (BUSINESS_DIFFERS,)}


def listed_evidence(entries: Iterable[WatchlistEntry]) -> dict[str, tuple[int, int]]:
    """Per cap comparing otherwise alike names: pairs of listed names alike but for it, of one entry and in all."""
    by_stem: dict[tuple[str, tuple[str, ...]], list[tuple[str, NormalizedName]]] = defaultdict(list)
    for entry in entries:
        for name in {normalize_name(text) for text in (entry.name, *entry.aliases)}:
            for kind in _COUNTED:
                stem = _stem(name, kind)
                if stem and (kind != BUSINESS_DIFFERS or business_words(name.words)):
                    by_stem[kind, stem].append((entry.entry_id, name))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, _), names in by_stem.items():
        for (entry_a, a), (entry_b, b) in combinations(names, 2):
            cap = cap_of(a, b)
            if cap in _COUNTED[kind]:
                counts[cap][0] += entry_a == entry_b
                counts[cap][1] += 1
    return {cap: (same, total) for cap, (same, total) in counts.items()}


def calibrate(pairs: Sequence[NamePair], listed: dict[str, tuple[int, int]]) -> dict[str, tuple[CapEvidence, float]]:
    """Per cap: its evidence and the calibrated level."""
    free_scores: list[float] = []
    free_labels: list[int] = []
    matches: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in pairs:
        a, b = normalize_name(pair.name1), normalize_name(pair.name2)
        if not a.tokens or not b.tokens:
            continue
        cap = cap_of(a, b)
        if cap is None:
            free_scores.append(name_similarity(a, b))
            free_labels.append(pair.label)
        else:
            matches[cap][0] += pair.label
            matches[cap][1] += 1
    sorted_scores, fitted = isotonic_rates(np.array(free_scores), np.array(free_labels, dtype=float))
    result = {}
    for cap in CAPS:
        same, total = listed.get(cap, (0, 0))
        evidence = CapEvidence(matches[cap][0], matches[cap][1], same, total)
        result[cap] = (evidence, calibrated_cap(evidence.match_rate, sorted_scores, fitted))
    return result


def main(argv: Sequence[str]) -> None:
    """Print each cap's evidence and calibrated level."""
    from portcullis.shared.screening.ofac import load_ofac_sdn

    entries = load_ofac_sdn(Path(argv[0]))
    for cap, (evidence, level) in calibrate(training_pairs(entries, Path(argv[1])), listed_evidence(entries)).items():
        print(
            f"{cap:28s} training {evidence.training_matches}/{evidence.training_pairs} matches, listed "
            f"{evidence.listed_same_entry}/{evidence.listed_pairs} of one entry, rate {evidence.match_rate:.5f}: "
            f"cap {level:.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
