# ruff: noqa: RUF001  (a CJK zero looks like a Latin O)
"""Numbers written in any script or as words, to one form: digits (`二` = `2`, `TWO` = `2`, `II` = `2`).

Sister ships and numbered companies differ only by a number, so the number must be read the same however it is
written before the scorer can hold a mismatch against a match.
"""

import re

_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3}
_CJK_DIGITS |= {"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CJK_CLASS = "[" + "".join(_CJK_DIGITS) + "".join(_CJK_UNITS) + "]+"
# A numeral is read as a number where it is one: after `第` (the second), before `号` (number two) or ending the
# name (`海丰十`); elsewhere it is part of a word (`三星`, Samsung) and transliterated as such.
_CJK_NUMERAL_RE = re.compile(f"第({_CJK_CLASS})|({_CJK_CLASS})[号號]|({_CJK_CLASS})\\s*$")

#: Number words (English, as names on lists and manifests are written) as digits.
NUMBER_WORDS: dict[str, str] = {
    "ONE": "1",
    "TWO": "2",
    "THREE": "3",
    "FOUR": "4",
    "FIVE": "5",
    "SIX": "6",
    "SEVEN": "7",
    "EIGHT": "8",
    "NINE": "9",
    "TEN": "10",
    "ELEVEN": "11",
    "TWELVE": "12",
    "FIRST": "1",
    "SECOND": "2",
    "THIRD": "3",
}
#: Words that announce a number (`NO 2`, `NR. 2`): dropped before one.
NUMBER_MARKERS: frozenset[str] = frozenset({"NO", "NR", "NUM", "NUMBER", "NUMERO", "NOMER"})
_NUMBER_TOKENS = NUMBER_MARKERS | frozenset(NUMBER_WORDS)


def _cjk_value(numeral: str) -> int:
    """The value of a run of CJK numerals: positional (`二〇一七` = 2017) or with units (`二十三` = 23)."""
    if not any(char in _CJK_UNITS for char in numeral):
        return int("".join(str(_CJK_DIGITS[char]) for char in numeral))
    total, digit = 0, 0
    for char in numeral:
        if char in _CJK_DIGITS:
            digit = _CJK_DIGITS[char]
        else:
            total += (digit or 1) * _CJK_UNITS[char]
            digit = 0
    return total + digit


def cjk_numerals_to_digits(text: str) -> str:
    """Chinese and Japanese numbers as digits, set apart as words (`远洋二号` -> `远洋 2 `, `三星` unchanged)."""
    return _CJK_NUMERAL_RE.sub(lambda match: f" {_cjk_value(next(g for g in match.groups() if g))} ", text)


def numbers_as_digits(tokens: list[str]) -> list[str]:
    """Number words as digits, and the words that announce a number dropped (`NO 2` -> `2`)."""
    if _NUMBER_TOKENS.isdisjoint(tokens):
        return tokens  # the common case: nothing to read or drop
    words = [NUMBER_WORDS.get(token, token) for token in tokens]
    return [
        word
        for index, word in enumerate(words)
        if not (word in NUMBER_MARKERS and index + 1 < len(words) and words[index + 1].isdigit())
    ]
