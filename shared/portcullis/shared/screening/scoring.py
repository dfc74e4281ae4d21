"""The name scorer: one function for the index, the command line and the labelled evaluation."""

from functools import lru_cache

from rapidfuzz.distance import OSA, Indel, JaroWinkler

from portcullis.shared.screening.generic import business_words
from portcullis.shared.screening.normalize import PARTICLES, NormalizedName, normalize_name, phonetic_key, sound_onset

#: Names whose numbers differ ("OCEAN STAR 1", "OCEAN STAR 2") name different parties: score at most this.
NUMBER_MISMATCH_CAP = 0.5
#: Names of different lines of business ("... SHIPPING", "... TRADING") name sibling companies: at most this.
BUSINESS_MISMATCH_CAP = 0.75
#: A number on one side only ("OCEAN STAR" and "OCEAN STAR 2") is weaker evidence of a different party.
ONE_SIDED_NUMBER_CAP = 0.7
#: Tokens that sound alike (`MUHAMMAD`, `MOHAMMED`, `MHMD`) are at least this similar.
PHONETIC_FLOOR = 0.85
#: A word written without vowels (Arabic, Hebrew) and one whose consonants agree with it are at least this similar.
ABJAD_FLOOR = 0.9
_LABIALS = str.maketrans({"F": "B"})
#: Words one typing error apart (`TONY`, `TKNY`) are at least this similar; two errors apart, the second.
ONE_EDIT_FLOOR = 0.85
TWO_EDIT_FLOOR = 0.7
#: Weight of the subset term: "Manuel NORIEGA" is fully contained in "Manuel Antonio NORIEGA".
COVERAGE_WEIGHT = 0.5

_PAIR_CACHE_SIZE = 200_000  # about 20 MB when full; cleared, not evicted one by one


def _token_weight(word: str) -> float:
    return 1.0 if word in PARTICLES or len(word) == 1 else float(min(len(word), 10))


def _same_onset(word_a: str, word_b: str) -> bool:
    """Same first sound (`OMAR`/`UMAR`, `JUAN`/`DZHUAN`): short sound keys need it to count."""
    return sound_onset(word_a) == sound_onset(word_b)


def _vowelless(word_a: str, word_b: str) -> bool:
    """Whether either word came from an abjad script (Arabic, Hebrew), transliterated without vowels."""
    return _VOWELS.isdisjoint(word_a) or _VOWELS.isdisjoint(word_b)


_VOWELS = frozenset("AEIOU")
_pair_cache: dict[tuple[str, str], float] = {}


def token_similarity(word_a: str, word_b: str) -> float:
    """Similarity of two words in 0..1: spelling (Jaro-Winkler and Indel) with a floor for sound-alikes."""
    if word_a == word_b:
        return 1.0
    cached = _pair_cache.get((word_a, word_b))
    if cached is not None:
        return cached
    return _remember(word_a, word_b)


def _remember(word_a: str, word_b: str) -> float:
    """Score two different words not in the pair cache, and cache the score."""
    sim = _spelling_or_sound(word_a, word_b)
    if len(_pair_cache) >= _PAIR_CACHE_SIZE:
        _pair_cache.clear()
    _pair_cache[(word_a, word_b)] = sim
    return sim


def _spelling_or_sound(word_a: str, word_b: str) -> float:
    spelling = (JaroWinkler.normalized_similarity(word_a, word_b) + Indel.normalized_similarity(word_a, word_b)) * 0.5
    # Rescale so that unrelated words of similar length (about 0.6) count as nothing.
    sim = min(max((spelling - 0.6) / 0.35, 0.0), 1.0)
    if sim < ONE_EDIT_FLOOR:
        # Typing errors: one edit (transpositions included) in a word of four letters or more, two in seven. Words
        # shorter than four letters or whose lengths differ by three or more get no floor: no edit count needed.
        length_a, length_b = len(word_a), len(word_b)
        shortest = min(length_a, length_b)
        if shortest >= 4 and abs(length_a - length_b) <= 2:
            edits = OSA.distance(word_a, word_b, score_cutoff=2)
            if edits == 1:
                sim = ONE_EDIT_FLOOR
            elif edits == 2 and shortest >= 7:
                sim = max(sim, TWO_EDIT_FLOOR)
    if sim < ABJAD_FLOOR:
        key_a = phonetic_key(word_a)
        key_b = phonetic_key(word_b)
        # Written without vowels (Arabic, Hebrew) the consonants are all there is, and one letter reads as B or V,
        # P or F (Hebrew bet and pe): consonant skeletons that agree are strong evidence.
        skeletons_agree = len(key_a) >= 2 and (key_a == key_b or key_a.translate(_LABIALS) == key_b.translate(_LABIALS))
        if skeletons_agree and _vowelless(word_a, word_b):
            sim = ABJAD_FLOOR
        elif (
            sim < PHONETIC_FLOOR
            and key_a == key_b
            and (len(key_a) > 2 or _same_onset(word_a, word_b) or _vowelless(word_a, word_b))
        ):
            sim = PHONETIC_FLOOR
    return sim


@lru_cache(maxsize=16384)  # a few MB when full
def _word_weights(words: tuple[str, ...]) -> tuple[tuple[float, ...], float, int]:
    """The weight of each word, their total and how many words are not particles (listed names recur)."""
    weights = tuple(_token_weight(w) for w in words)
    return weights, sum(weights), sum(1 for w in words if w not in PARTICLES)


def _token_score(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> float:
    # The hot loop of every full comparison: cache lookups inlined, each row and column maximum kept as it goes.
    cached = _pair_cache.get
    weights_a, total_a, substantive_a = _word_weights(words_a)
    weights_b, total_b, substantive_b = _word_weights(words_b)
    best_b = [0.0] * len(words_b)
    matched_a = 0.0
    for a, weight_a in zip(words_a, weights_a, strict=True):
        best_a = 0.0
        for column, b in enumerate(words_b):
            if a == b:
                sim = 1.0
            else:
                found = cached((a, b))
                sim = _remember(a, b) if found is None else found
            if sim > best_a:
                best_a = sim
            if sim > best_b[column]:
                best_b[column] = sim
        matched_a += weight_a * best_a
    matched_b = sum(w * best for w, best in zip(weights_b, best_b, strict=True))
    dice = (matched_a + matched_b) / (total_a + total_b)
    if min(substantive_a, substantive_b) < 2:
        return dice
    coverage = max(matched_a / total_a, matched_b / total_b)
    return (1.0 - COVERAGE_WEIGHT) * dice + COVERAGE_WEIGHT * coverage


def name_similarity(a: NormalizedName, b: NormalizedName) -> float:
    """Similarity of two normalised names in 0..1 (1 = same name)."""
    if not a.tokens or not b.tokens:
        return 0.0
    if a.tokens == b.tokens:
        score = 1.0
    else:
        words_a, words_b = a.words, b.words
        if words_a and words_b:
            score = _token_score(words_a, words_b)
            if len(words_a) != len(words_b):
                # Words run together or split apart ("ZHUHAI ZHENRONG", "ZHU HAI ZHEN RONG").
                score = max(score, Indel.normalized_similarity("".join(words_a), "".join(words_b)))
        else:
            score = Indel.normalized_similarity(a.ordered, b.ordered)
    business_a = business_words(a.words)
    if business_a:
        business_b = business_words(b.words)
        # Each names a line of business the other does not (`BANK ... MINING` / `BANK ... HOLDING`).
        if business_b and not business_a <= business_b and not business_b <= business_a:
            score = min(score, BUSINESS_MISMATCH_CAP)
    numbers_a, numbers_b = a.numbers, b.numbers
    if numbers_a != numbers_b:
        score = min(score, NUMBER_MISMATCH_CAP if numbers_a and numbers_b else ONE_SIDED_NUMBER_CAP)
    return min(max(score, 0.0), 1.0)


def compare_names(name1: str, name2: str, schema: str | None = None) -> float:
    """Score two names in 0..1 with the screening scorer (the schema is accepted for symmetry)."""
    del schema  # one normalisation serves every schema, so that screening without a schema is consistent
    return name_similarity(normalize_name(name1), normalize_name(name2))
