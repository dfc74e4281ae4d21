"""The name scorer: one function for the index, the command line and the labelled evaluation."""

from collections.abc import Callable
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel, JaroWinkler
from rapidfuzz.fuzz import partial_ratio

from portcullis.shared.screening.equivalents import (
    ACRONYM_MIN,
    TRANSLATION_FLOOR,
    acronym_reading,
    generic_positions,
    match_translations,
    removed_elsewhere,
    weights_without,
)
from portcullis.shared.screening.generic import business_words, is_business_word
from portcullis.shared.screening.loose import LOOSE_SPELLING_MIN_LENGTH, loose_spelling_key, removed_word_apart
from portcullis.shared.screening.normalize import (
    PARTICLES,
    NormalizedName,
    normalize_name,
    phonetic_key,
    sound_onset,
    spelling_key,
)
from portcullis.shared.screening.pair_model import learned_score
from portcullis.shared.screening.rows import RowCache

# The caps below are set where the training pairs' match rate equals the rate of matches among the pairs the cap
# applies to (with the listed names' own pairs where they say it), so that a capped pair ranks with the uncapped
# pairs that are as likely to be matches: `python -m portcullis.shared.screening.cap_calibration` prints them.
#: Names whose numbers differ ("OCEAN STAR 1", "OCEAN STAR 2") name different parties: score at most this. No listed
#: entry has two such names and 1,690 pairs of listed names do, so such a pair ranks with names that share nothing.
NUMBER_MISMATCH_CAP = 0.12
#: Names of different lines of business ("... SHIPPING", "... TRADING") name sibling companies: at most this.
BUSINESS_MISMATCH_CAP = 0.66
#: A number on one side only ("OCEAN STAR" and "OCEAN STAR 2") is weaker evidence of a different party.
ONE_SIDED_NUMBER_CAP = 0.71
#: Names that share no distinctive word (only particles or business words agree: `BANK SEPAH` / `BANK MELLI`) and do
#: not agree run together either name different parties: at most this. Judged on the names, in all their readings.
NO_DISTINCTIVE_WORD_CAP = 0.5
#: Distinctive coverage (`pair_features`) below this: no distinctive word matched; names run together agreeing at
#: least this much are exempt (`KB INVESTMENTS` / `KBINVESTMENTS`).
NO_DISTINCTIVE_COVERAGE = 0.1
NO_DISTINCTIVE_UNSPACED = 0.9
#: A distinctive word of one name (of four letters or more) found this well inside the other name run together
#: (rapidfuzz's `partial_ratio`, 0..100) is shared as well: `CLAUDE` in `LE KEU LA UDE`, a reading that splits the
#: words into syllables (anyascii's of Hangul).
DISTINCTIVE_WITHIN = 80
_WITHIN_MIN_LENGTH = 4
#: Tokens that sound alike (`MUHAMMAD`, `MOHAMMED`, `MHMD`) are at least this similar.
PHONETIC_FLOOR = 0.85
#: A word written without vowels (Arabic, Hebrew) and one whose consonants agree with it are at least this similar.
ABJAD_FLOOR = 0.9
_LABIALS = str.maketrans({"F": "B"})
#: Words that differ only by romanisation conventions (`KIM` / `CIM`, `VO` / `WO`, `MILOSEVIC` / `MILOSEWIK`: the
#: spelling keys the index pre-scores on agree) are at least this similar.
SPELLING_FLOOR = 0.85
#: Words one typing error apart (`TONY`, `TKNY`) are at least this similar; two errors apart, the second.
ONE_EDIT_FLOOR = 0.85
TWO_EDIT_FLOOR = 0.7
TWO_EDIT_MIN_LENGTH = 7
#: Two typing errors in long words (`KERNADNEZ` / `HERNANDEZ`) leave more of the word intact: at least this similar.
TWO_EDIT_LONG_FLOOR = 0.85
TWO_EDIT_LONG_MIN_LENGTH = 9
#: Weight of the subset term: "Manuel NORIEGA" is fully contained in "Manuel Antonio NORIEGA".
COVERAGE_WEIGHT = 0.5
#: A name written with initials (`BIM` for `BANK OF INDUSTRY AND MINE`) scores this share of what it scores read so:
#: below the threshold, so that initials rank the organisation first but alert only with other evidence (made-up
#: `Summit Blue Textiles` has the initials of the listed `SBT`).
ACRONYM_FACTOR = 0.8
_ACRONYM_SHORT_WORDS = 2  # the initials, and perhaps one word more (`BIM BANK`)
#: Weight of the subset term when the shorter name leaves out inner words of the longer one (a middle name).
INNER_COVERAGE_WEIGHT = 0.75
#: Names scoring less than this are not compared again with a removed word set apart (`FAWZIHAJJI`): too far apart.
REMOVED_APART_MIN = 0.5
#: Pairs of a name in another script and one in Latin letters: the distance to 1 is scaled by this, so that 0.85
#: lets through as many non-matches across scripts as between Latin names (on the tuning set's non-matches with
#: one name written in Cyrillic: 1.1% -> 2.0%, the Latin pairs' 2.0%; test_screening_calibration.py).
CROSS_SCRIPT_CALIBRATION = 0.867

_PAIR_CACHE_SIZE = 200_000  # about 20 MB when full; cleared, not evicted one by one


def _same_onset(word_a: str, word_b: str) -> bool:
    """Same first sound (`OMAR`/`UMAR`, `JUAN`/`DZHUAN`): short sound keys need it to count."""
    return sound_onset(word_a) == sound_onset(word_b)


def _vowelless(word_a: str, word_b: str) -> bool:
    """Whether either word came from an abjad script (Arabic, Hebrew), transliterated without vowels."""
    return _VOWELS.isdisjoint(word_a) or _VOWELS.isdisjoint(word_b)


_VOWELS = frozenset("AEIOU")
#: Scores of word pairs by the first word, then the second: a word of the screened name looks its row up once.
_pair_cache: RowCache[str, float] = RowCache(_PAIR_CACHE_SIZE)
_pair_rows = _pair_cache.rows
_NO_ROW = _pair_cache.no_row


def token_similarity(word_a: str, word_b: str) -> float:
    """Similarity of two words in 0..1: spelling (Jaro-Winkler and Indel) with a floor for sound-alikes."""
    if word_a == word_b:
        return 1.0
    cached = _pair_rows.get(word_a, _NO_ROW).get(word_b)
    if cached is not None:
        return cached
    return _remember(word_a, word_b)


def _remember(word_a: str, word_b: str) -> float:
    """Score two different words not in the pair cache, and cache the score."""
    return _pair_cache.put(word_a, word_b, _spelling_or_sound(word_a, word_b))


class _WordKeys:
    """What the sound-alike floors compare of a word, computed once a word: its spelling key, its consonant
    skeleton (`phonetic_key`), the skeleton with F read as B, whether it has no vowels (an abjad script), and its
    loose spelling key (`loose.spelled_loosely_alike`) when first asked."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.spelled = spelling_key(word)
        self.skeleton = phonetic_key(word)
        self.labial = self.skeleton.translate(_LABIALS)
        self.vowelless = _VOWELS.isdisjoint(word)
        self._loose: str | None = None

    def loosely_alike(self, other: "_WordKeys") -> bool:
        """`loose.spelled_loosely_alike` of the two words, their loose keys computed once a word."""
        if len(self.word) < LOOSE_SPELLING_MIN_LENGTH or len(other.word) < LOOSE_SPELLING_MIN_LENGTH:
            return False
        return self.loose() == other.loose()

    def loose(self) -> str:
        """The word's loose spelling key."""
        if self._loose is None:
            self._loose = loose_spelling_key(self.word)
        return self._loose


_WORD_KEYS_SIZE = 65536  # about 13 MB when full; the listed names have about 20,000 distinct words
#: The words' keys by word: a dictionary of native objects, read without a call (emptied whole when full).
_word_keys_kept: dict[str, _WordKeys] = {}


def _word_keys(word: str) -> _WordKeys:
    """A word's keys, kept."""
    keys = _word_keys_kept.get(word)
    if keys is None:
        if len(_word_keys_kept) >= _WORD_KEYS_SIZE:
            _word_keys_kept.clear()
        keys = _word_keys_kept[word] = _WordKeys(word)
    return keys


_ROUNDING = 0.25  # far more than a normalised similarity's rounding, far less than one edit
_jaro_winkler = JaroWinkler.normalized_similarity
_indel = Indel.normalized_similarity
_edits = OSA.distance


def _two_edit_floor(word_a: str, word_b: str, shortest: int) -> float:
    """The floor of two words two typing errors apart: higher for long words, unless the errors replace the first
    two letters (`IMPORTADORA` / `EXPORTADORA`, `INTERNAL` / `EXTERNAL`: another word on the same stem)."""
    if shortest < TWO_EDIT_LONG_MIN_LENGTH or word_a[2:] == word_b[2:]:
        return TWO_EDIT_FLOOR
    return TWO_EDIT_LONG_FLOOR


#: Indel similarities below this leave the spelling score below 0 whatever Jaro-Winkler says (at most 1): (1 + 0.19)
#: / 2 < 0.6, with a margin far beyond rounding. Above it, Jaro-Winkler below `_SPELLING_ZERO - indel` does the same.
_SPELLING_ZERO = 1.19


def _spelling_or_sound(word_a: str, word_b: str) -> float:
    indel = _indel(word_a, word_b)
    # Where Jaro-Winkler cannot lift the score above 0, it is not computed (or stops early, 0 below the cutoff):
    # the score is 0 either way, and the floors below read only the Indel similarity.
    cutoff = _SPELLING_ZERO - indel
    jaro_winkler = _jaro_winkler(word_a, word_b, score_cutoff=cutoff) if cutoff <= 1.0 else 0.0
    spelling = (jaro_winkler + indel) * 0.5
    # Rescale so that unrelated words of similar length (about 0.6) count as nothing; clipped to 0..1.
    sim = (spelling - 0.6) / 0.35
    if sim < 0.0:
        sim = 0.0
    elif sim >= ABJAD_FLOOR:
        return 1.0 if sim > 1.0 else sim  # above every floor below
    if sim < ONE_EDIT_FLOOR:
        # Typing errors: one edit (transpositions included) in a word of four letters or more, two in seven. Words
        # shorter than four letters or whose lengths differ by three or more get no floor: no edit count needed.
        length_a, length_b = len(word_a), len(word_b)
        shortest = length_a if length_a < length_b else length_b
        # An edit (a replacement or a transposition too) is at most two insertions or deletions, so the Indel
        # distance (from its normalised similarity, to within rounding) bounds the edits from below: no edit count
        # where it shows three or more edits, or two where two give no floor.
        fewest_edits = (1.0 - indel) * (length_a + length_b) / 2 - _ROUNDING
        if (
            shortest >= 4
            and -2 <= length_a - length_b <= 2
            and fewest_edits <= (2 if shortest >= TWO_EDIT_MIN_LENGTH else 1)
        ):
            edits = _edits(word_a, word_b, score_cutoff=2)
            if edits == 1:
                sim = ONE_EDIT_FLOOR
            elif edits == 2 and shortest >= TWO_EDIT_MIN_LENGTH:
                sim = max(sim, _two_edit_floor(word_a, word_b, shortest))
    keys_a, keys_b = _word_keys(word_a), _word_keys(word_b)
    if sim < SPELLING_FLOOR and (keys_a.spelled == keys_b.spelled or (sim > 0.0 and keys_a.loosely_alike(keys_b))):
        return SPELLING_FLOOR
    key_a, key_b, vowelless_a, vowelless_b = keys_a.skeleton, keys_b.skeleton, keys_a.vowelless, keys_b.vowelless
    # Written without vowels (Arabic, Hebrew) the consonants are all there is, and one letter reads as B or V,
    # P or F (Hebrew bet and pe): consonant skeletons that agree are strong evidence.
    skeletons_agree = len(key_a) >= 2 and (key_a == key_b or keys_a.labial == keys_b.labial)
    if skeletons_agree and (vowelless_a or vowelless_b):
        sim = ABJAD_FLOOR
    elif (
        sim < PHONETIC_FLOOR
        and key_a == key_b
        and (len(key_a) > 2 or _same_onset(word_a, word_b) or vowelless_a or vowelless_b)
    ):
        sim = PHONETIC_FLOOR
    return sim


@lru_cache(maxsize=16384)  # a few MB when full
def _word_weights(words: tuple[str, ...]) -> tuple[tuple[float, ...], float, int, tuple[float, ...], float, bool]:
    """Per name (listed names recur): each word's weight, their total, how many words are not particles, the
    weights of its distinctive words (neither particles nor business words), their total and whether a word has
    no vowels (written in an abjad script)."""
    weight_list: list[float] = []
    distinctive_list: list[float] = []
    substantive = 0
    vowelless = False
    for word in words:
        particle = word in PARTICLES
        # Particles and initials weigh 1, other words their length up to 10.
        weight = 1.0 if particle or len(word) == 1 else float(min(len(word), 10))
        weight_list.append(weight)
        distinctive_list.append(0.0 if particle or is_business_word(word) else weight)
        substantive += not particle
        vowelless = vowelless or (len(word) > 1 and _VOWELS.isdisjoint(word))
    weights, distinctive = tuple(weight_list), tuple(distinctive_list)
    return weights, sum(weights), substantive, distinctive, sum(distinctive), vowelless


#: What the word-by-word comparison yields: dice, coverage of the better- and the worse-covered name, coverage of
#: distinctive words (the worse side), the weakest best match of a word, the share of weight matched exactly, the
#: fewer substantive words of the two, and whether either name has a word without vowels.
TokenParts = tuple[float, float, float, float, float, float, int, bool]


def _token_parts(
    words_a: tuple[str, ...],
    words_b: tuple[str, ...],
    removed_a: tuple[str, ...] = (),
    removed_b: tuple[str, ...] = (),
) -> TokenParts:
    # The hot loop of every full comparison: each word's best match in the other name, by rows and by columns, in
    # typed loops that compiled code runs natively (no matrix kept). A best is `max`'s: the first value, replaced
    # only by a greater one.
    weights_a, total_a, substantive_a, distinctive_a, distinct_total_a, vowelless_a = _word_weights(words_a)
    weights_b, total_b, substantive_b, distinctive_b, distinct_total_b, vowelless_b = _word_weights(words_b)
    count_b = len(words_b)
    best_a: list[float] = []
    best_b: list[float] = []
    for a in words_a:
        known = _pair_rows.get(a, _NO_ROW)
        row_best = 0.0
        for column in range(count_b):
            b = words_b[column]
            if a == b:
                sim = 1.0
            else:
                cached = known.get(b)
                sim = cached if cached is not None else _remember(a, b)
            if column == 0 or sim > row_best:
                row_best = sim
            if not best_a:  # the first row
                best_b.append(sim)
            elif sim > best_b[column]:
                best_b[column] = sim
        best_a.append(row_best)
    # A word a name has twice (`MUHAMMAD AL-MUHAMMAD`) is matched once to each word of the other name, not to the
    # same one each time: rare, so looked up once a name.
    repeated_a, repeated_b = _repeated(words_a), _repeated(words_b)
    if repeated_a:
        _each_word_once(words_a, words_b, repeated_a, best_a)
    if repeated_b:
        _each_word_once(words_b, words_a, repeated_b, best_b)
    weakest_a, weakest_b = min(best_a), min(best_b)
    adjusted = False  # whether a best match below was raised (a translation, a removed word), so the minima moved
    if weakest_a < TRANSLATION_FLOOR and weakest_b < TRANSLATION_FLOOR and generic_positions(words_b):
        translated_a, translated_b = match_translations(words_a, words_b, best_a, best_b)
        if translated_a:
            adjusted = True
            # One generic word in two languages (`STICHTING` / `FOUNDATION`) is matched, but is no distinctive word.
            distinctive_a = tuple(0.0 if i in translated_a else w for i, w in enumerate(distinctive_a))
            distinctive_b = tuple(0.0 if i in translated_b else w for i, w in enumerate(distinctive_b))
            distinct_total_a, distinct_total_b = sum(distinctive_a), sum(distinctive_b)
    if removed_b and weakest_a < ONE_EDIT_FLOOR:
        dropped = removed_elsewhere(words_a, best_a, removed_b)
        if dropped:
            adjusted = True
            weights_a, total_a, substantive_a, distinctive_a, distinct_total_a = weights_without(
                words_a, dropped, best_a, weights_a, distinctive_a
            )
    if removed_a and weakest_b < ONE_EDIT_FLOOR:
        dropped = removed_elsewhere(words_b, best_b, removed_a)
        if dropped:
            adjusted = True
            weights_b, total_b, substantive_b, distinctive_b, distinct_total_b = weights_without(
                words_b, dropped, best_b, weights_b, distinctive_b
            )
    matched_a, exact_a, distinct_matched_a = _matched(weights_a, distinctive_a, best_a)
    matched_b, exact_b, distinct_matched_b = _matched(weights_b, distinctive_b, best_b)
    total = total_a + total_b
    coverage_a, coverage_b = matched_a / total_a, matched_b / total_b
    distinct_a = distinct_matched_a / distinct_total_a if distinct_total_a else coverage_a
    distinct_b = distinct_matched_b / distinct_total_b if distinct_total_b else coverage_b
    if adjusted:
        weakest_a, weakest_b = min(best_a), min(best_b)
    # Two values each: what `max` and `min` return (the first of equal values), without a call.
    return (
        (matched_a + matched_b) / total,
        coverage_b if coverage_b > coverage_a else coverage_a,
        coverage_b if coverage_b < coverage_a else coverage_a,
        distinct_b if distinct_b < distinct_a else distinct_a,
        weakest_b if weakest_b < weakest_a else weakest_a,
        (exact_a + exact_b) / total,
        substantive_b if substantive_b < substantive_a else substantive_a,
        vowelless_a or vowelless_b,
    )


@lru_cache(maxsize=16384)
def _repeated(words: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """The positions of each word a name has more than once, a group a word (nearly always none). Particles are left
    out: `AL` twice in `Ibn AL-SHAYKH AL-LIBI` says nothing of who it is, and a mistyped one must not cost the match."""
    if len(set(words)) == len(words):
        return ()
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        if word not in PARTICLES:
            positions.setdefault(word, []).append(position)
    return tuple(tuple(group) for group in positions.values() if len(group) > 1)


def _each_word_once(
    words: tuple[str, ...], other: tuple[str, ...], repeated: tuple[tuple[int, ...], ...], best: list[float]
) -> None:
    """Each occurrence of a repeated word gets its own word of `other`: the first its best match (as before), the
    second the next best of the other words, and so on; 0 once `other` has no word left for it. Without it, `MUHAMMAD
    AL MUHAMMAD` was fully matched by `MUHAMMAD AL` (1.0), its second `MUHAMMAD` matched to the same word again."""
    for group in repeated:
        word = words[group[0]]
        similarities = sorted([token_similarity(word, candidate) for candidate in other], reverse=True)
        for rank in range(len(group)):
            best[group[rank]] = similarities[rank] if rank < len(similarities) else 0.0


def _matched(
    weights: tuple[float, ...], distinctive: tuple[float, ...], best: list[float]
) -> tuple[float, float, float]:
    """A name's matched weight, its weight matched exactly and its matched distinctive weight (summed in order)."""
    matched = exact = distinct = 0.0
    # Of equal lengths by construction; by position, which compiled code runs natively (`zip` it does not).
    for position in range(len(best)):
        similarity = best[position]
        weight = weights[position]
        matched += weight * similarity
        distinct += distinctive[position] * similarity
        if similarity == 1.0:
            exact += weight
    return matched, exact, distinct


def _token_score(parts: TokenParts) -> float:
    dice, coverage, _, _, _, _, substantive, _ = parts
    if substantive < 2:
        return dice
    return (1.0 - COVERAGE_WEIGHT) * dice + COVERAGE_WEIGHT * coverage


def _compared(a: NormalizedName, b: NormalizedName) -> tuple[TokenParts, float] | None:
    """The word-by-word parts of two names and their similarity run together (None: a name has no words)."""
    words_a, words_b = a.words, b.words
    if not words_a or not words_b:
        return None
    parts = _token_parts(words_a, words_b, a.removed, b.removed)
    unspaced = 0.0
    if len(words_a) != len(words_b):
        # Words run together or split apart ("ZHUHAI ZHENRONG", "ZHU HAI ZHEN RONG").
        unspaced = _indel("".join(words_a), "".join(words_b))
    return parts, unspaced


def pair_features(a: NormalizedName, b: NormalizedName) -> list[float] | None:
    """What the learned scorer weighs for two different names, in `FEATURES` order (None: a name has no words)."""
    compared = _compared(a, b)
    if compared is None:
        return None
    parts, unspaced = compared
    rule = _token_score(parts)
    words_a, words_b = a.words, b.words
    dice, coverage, worse_coverage, distinctive, weakest, exact, substantive, vowelless = parts
    return [
        max(rule, unspaced),
        dice,
        coverage,
        worse_coverage,
        distinctive,
        weakest,
        exact,
        unspaced,
        float(substantive < 2),
        float(vowelless),
        min(abs(len(words_a) - len(words_b)), 3) / 3.0,
    ]


#: The names of `pair_features`' values, in order (the learned model's coefficients follow it).
FEATURES = (
    "rule_score",
    "dice",
    "coverage",
    "worse_coverage",
    "distinctive_coverage",
    "weakest_word",
    "exact_share",
    "unspaced",
    "single_word",
    "vowelless",
    "word_count_difference",
)


def score_cap(a: NormalizedName, b: NormalizedName) -> float:
    """The most two names can score: lower for different lines of business or different numbers, else 1."""
    cap = 1.0
    business_a = business_words(a.words)
    if business_a:
        business_b = business_words(b.words)
        # Each names a line of business the other does not (`BANK ... MINING` / `BANK ... HOLDING`).
        if business_b and not business_a <= business_b and not business_b <= business_a:
            cap = BUSINESS_MISMATCH_CAP
    numbers_a, numbers_b = a.numbers, b.numbers
    if numbers_a != numbers_b:
        cap = min(cap, NUMBER_MISMATCH_CAP if numbers_a and numbers_b else ONE_SIDED_NUMBER_CAP)
    return cap


def shares_no_distinctive_word(features: list[float]) -> bool:
    """Whether two names (their `pair_features`) agree on no distinctive word, nor written without spaces."""
    return features[4] < NO_DISTINCTIVE_COVERAGE and features[7] < NO_DISTINCTIVE_UNSPACED


def _distinctive_word_within(a: NormalizedName, b: NormalizedName) -> bool:
    """Whether a distinctive word of either name is found inside the other's words (but its business words) run
    together."""
    for words, other in ((a.words, b.words), (b.words, a.words)):
        joined = "".join(word for word in other if not is_business_word(word))
        for word in words:
            if (
                _WITHIN_MIN_LENGTH <= len(word) <= len(joined)
                and word not in PARTICLES
                and not is_business_word(word)
                and partial_ratio(word, joined, score_cutoff=DISTINCTIVE_WITHIN)
            ):
                return True
    return False


def no_distinctive_word_shared(a: NormalizedName, b: NormalizedName) -> bool:
    """Whether the scorer caps two names as sharing no distinctive word: in none of their readings do they share
    one (nor agree run together, nor as initials)."""
    readings = _reading_pairs(a, b)
    return all(_scored(*pair)[1] for pair in readings) and not any(_distinctive_word_within(*p) for p in readings)


def _capped(score: float, a: NormalizedName, b: NormalizedName) -> float:
    return min(max(score, 0.0), score_cap(a, b))


def _best_of_readings(scorer: "PairScorer", a: NormalizedName, b: NormalizedName) -> float:
    """The scorer's best over the readings of names in another script (anyascii's and ICU's)."""
    score = scorer(a, b)
    for reading_a in (a, a.other_reading):
        for reading_b in (b, b.other_reading):
            if reading_a is not None and reading_b is not None and (reading_a is not a or reading_b is not b):
                score = max(score, scorer(reading_a, reading_b))
    return score


def name_similarity(a: NormalizedName, b: NormalizedName) -> float:
    """Similarity of two normalised names in 0..1 (1 = same name): word agreement and coverage, under the caps."""
    if a.other_reading is not None or b.other_reading is not None:
        # Whether the names share a distinctive word is judged on the names, not on one reading: a reading that
        # splits words into syllables (anyascii's of Hangul and Han, `NI KO LIG`) shares no word with `NIKOLIC`,
        # while the word-by-word reading (`NIKORIK`) shows that the names do.
        readings = _reading_pairs(a, b)
        scores = [_scored(*pair) for pair in readings]
        best = max(score for score, _ in scores)
        if (
            best > NO_DISTINCTIVE_WORD_CAP
            and all(unshared for _, unshared in scores)
            and not any(_distinctive_word_within(*pair) for pair in readings)
        ):
            return NO_DISTINCTIVE_WORD_CAP
        return best
    score, unshared = _scored(a, b)
    # The costlier look for a word inside the other name only where the cap would lower the score.
    if score > NO_DISTINCTIVE_WORD_CAP and unshared and not _distinctive_word_within(a, b):
        return NO_DISTINCTIVE_WORD_CAP
    return score


def _reading_pairs(a: NormalizedName, b: NormalizedName) -> list[tuple[NormalizedName, NormalizedName]]:
    """Every pair of the two names' readings."""
    return [
        (reading_a, reading_b)
        for reading_a in (a, a.other_reading)
        if reading_a is not None
        for reading_b in (b, b.other_reading)
        if reading_b is not None
    ]


def _scored(a: NormalizedName, b: NormalizedName) -> tuple[float, bool]:
    """The score of two readings under every cap but the no-distinctive-word cap, and whether their words share no
    distinctive word (`_distinctive_word_within` not asked)."""
    if not a.tokens or not b.tokens:
        return 0.0, True
    if a.tokens == b.tokens:
        return 1.0, False
    # `pair_features` as this scorer reads them: the rule score, dice, coverage, distinctive coverage, the weakest
    # word and the unspaced similarity (the learned scorer's other features are not built).
    compared = _compared(a, b)
    cap = score_cap(a, b)
    if compared is not None:
        parts, unspaced = compared
        dice, coverage, _, distinctive, weakest, _, _, _ = parts
        score = max(_token_score(parts), unspaced)
        # `Ivan TUCHKOV` for `Ivan Dmitriyevich TUCHKOV`: a long middle name or patronymic weighs less.
        left_out = (1.0 - INNER_COVERAGE_WEIGHT) * dice + INNER_COVERAGE_WEIGHT * coverage
        if left_out > score and len(a.words) != len(b.words) and _inner_words_left_out(a.words, b.words):
            score = left_out
        acronym = 0.0
        if (
            score < ACRONYM_FACTOR
            and weakest < ONE_EDIT_FLOOR  # a word without a counterpart: initials?
            and min(len(a.words), len(b.words)) <= _ACRONYM_SHORT_WORDS
            and abs(len(a.words) - len(b.words)) + len(a.removed) + len(b.removed) >= ACRONYM_MIN - 1
        ):
            acronym = _as_acronym(a, b)
            score = max(score, acronym)
        # Initials are read as the words they stand for: not capped as sharing none (`shares_no_distinctive_word`).
        unshared = acronym < score and distinctive < NO_DISTINCTIVE_COVERAGE and unspaced < NO_DISTINCTIVE_UNSPACED
    else:
        score = _indel(a.ordered, b.ordered)
        unshared = False
    if REMOVED_APART_MIN <= score < ONE_EDIT_FLOOR and (b.removed or a.removed):
        apart = _removed_apart_score(a, b)
        if apart > score:
            # The removed word set apart from the word it was run into: the names agree on that word.
            score, unshared = apart, False
    if a.other_script != b.other_script:
        # Calibrated before the caps, which keep their meaning (sister ships stay at the number cap).
        score = 1.0 - (1.0 - score) * CROSS_SCRIPT_CALIBRATION
    return min(max(score, 0.0), cap), unshared


def _removed_apart_score(a: NormalizedName, b: NormalizedName) -> float:
    """The score of the names with a removed word run together with another set apart (`loose.removed_word_apart`)."""
    best = 0.0
    for first, second in ((a, b), (b, a)):
        if not second.removed:
            continue  # nothing to set apart (`removed_word_apart` would say None)
        apart = removed_word_apart(first, second)
        if apart is not None:
            compared = _compared(apart, second)
            if compared is not None:
                parts, unspaced = compared
                best = max(best, max(_token_score(parts), unspaced))
    return best


def _spelled_alike(word_a: str, word_b: str) -> bool:
    """Same word, another romanisation of it, or a spelling closer than the sound-alike and typing-error floors."""
    return spelling_key(word_a) == spelling_key(word_b) or token_similarity(word_a, word_b) > PHONETIC_FLOOR


def _inner_words_left_out(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> bool:
    """Whether the shorter name is the longer one without some inner words: the same first and last word (spelled
    alike), the rest in the same order (a middle name or patronymic left out), and no line of business named."""
    short, long = (words_a, words_b) if len(words_a) < len(words_b) else (words_b, words_a)
    if len(short) < 2 or short[0] in PARTICLES or short[-1] in PARTICLES or business_words(long):
        return False  # an organisation's inner words name what it does (`KORYO COMMERCIAL BANK` / `KORYO BANK`)
    # The first and last words spelled alike (not merely sounding alike at the floor): `Chloe KIM` is no `Chol Sam KIM`.
    if not (_spelled_alike(short[0], long[0]) and _spelled_alike(short[-1], long[-1])):
        return False
    position = 1
    for word in short[1:-1]:
        while position < len(long) - 1 and token_similarity(word, long[position]) < ONE_EDIT_FLOOR:
            position += 1
        if position >= len(long) - 1:
            return False
        position += 1
    return True


def _as_acronym(a: NormalizedName, b: NormalizedName) -> float:
    """The score of two names when a word of one is read as the initials of words of the other, else 0."""
    best = 0.0
    for short, long in ((a, b), (b, a)):
        if len(short.words) + ACRONYM_MIN - 1 > len(long.words) + len(long.removed):
            continue  # initials stand for three words or more
        reading = acronym_reading(short.words, long.words, long.removed, latin=not (a.other_script or b.other_script))
        if reading is not None:
            best = max(best, ACRONYM_FACTOR * _token_score(_token_parts(short.words, reading)))
    return best


def learned_similarity(a: NormalizedName, b: NormalizedName) -> float:
    """Like `name_similarity`, scored by the learned pair model (`pair_model.py`) under the same caps.

    Not the default: it gains on the project's own pairs and generated variants but loses on the held-out set
    (docs/screening.md, "The learned pair scorer")."""
    if a.other_reading is not None or b.other_reading is not None:
        return _best_of_readings(_learned_similarity, a, b)
    return _learned_similarity(a, b)


def _learned_similarity(a: NormalizedName, b: NormalizedName) -> float:
    if not a.tokens or not b.tokens:
        return 0.0
    if a.tokens == b.tokens:
        return 1.0
    features = pair_features(a, b)
    if features is None:
        return _capped(Indel.normalized_similarity(a.ordered, b.ordered), a, b)
    return _capped(learned_score(features), a, b)


#: A pair scorer: two normalised names to a score in 0..1 (`name_similarity`, `learned_similarity`).
PairScorer = Callable[[NormalizedName, NormalizedName], float]


def compare_names(name1: str, name2: str, schema: str | None = None, scorer: PairScorer = name_similarity) -> float:
    """Score two names in 0..1 with the screening scorer (the schema is accepted for symmetry)."""
    del schema  # one normalisation serves every schema, so that screening without a schema is consistent
    return scorer(normalize_name(name1), normalize_name(name2))
