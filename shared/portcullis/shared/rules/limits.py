"""Limits of a rule's condition that keep every saved rule appliable by scoring, checked without recursion.

A condition nested deeper than the topic's JSON decoder goes (about a hundred levels) is saved but never read
back; one with thousands of tests exhausts the interpreter's stack when compiled. The limits are far above what
an analyst writes (ASYCUDA criteria hold a handful of tests) and far below what breaks.
"""

import math
from dataclasses import dataclass

from portcullis.shared.schemas.watchlist import Comparison

#: Levels of nested all/any/none groups.
MAX_DEPTH = 16
#: Conditions in one all/any/none group.
MAX_GROUP = 100
#: Field tests in one rule.
MAX_TESTS = 250
#: Values in one list (`in`, `not_in`).
MAX_VALUES = 1000
#: Characters of one text value (codes, ids, UN/LOCODEs and HS prefixes are far shorter).
MAX_TEXT = 100
#: Largest magnitude of a number compared with (beyond any mass, value or rate a record carries).
MAX_NUMBER = 1e15


@dataclass(frozen=True)
class RuleProblem:
    """Where a rule is wrong (dotted path such as `condition.all.0.op`) and why."""

    field: str
    reason: str


def condition_problems(condition: Comparison, path: str = "condition") -> list[RuleProblem]:
    """The limits the condition breaks (empty when within all of them)."""
    problems: list[RuleProblem] = []
    tests = 0
    pending = [(condition, path, 1)]
    while pending:
        current, where, depth = pending.pop()
        if depth > MAX_DEPTH:
            problems.append(RuleProblem(where, f"nested more than {MAX_DEPTH} levels of all/any/none deep"))
            continue
        for name in ("all", "any", "none"):
            group: list[Comparison] | None = getattr(current, name)
            if group is None:
                continue
            if len(group) > MAX_GROUP:
                problems.append(RuleProblem(f"{where}.{name}", f"holds more than {MAX_GROUP} conditions"))
                continue
            pending.extend((part, f"{where}.{name}.{n}", depth + 1) for n, part in enumerate(group))
        if current.field is not None:
            tests += 1
            problems.extend(_value_problems(current.value, f"{where}.value"))
    if tests > MAX_TESTS:
        problems.append(RuleProblem(path, f"holds {tests} tests; at most {MAX_TESTS}"))
    return problems


def _value_problems(value: object, where: str) -> list[RuleProblem]:
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_VALUES:
        return [RuleProblem(where, f"lists more than {MAX_VALUES} values")]
    if any(isinstance(v, str) and len(v) > MAX_TEXT for v in values):
        return [RuleProblem(where, f"a text value is longer than {MAX_TEXT} characters")]
    if any(isinstance(v, float) and not math.isfinite(v) for v in values):
        return [RuleProblem(where, "numbers must be finite (no NaN or Infinity)")]
    if any(isinstance(v, int | float) and abs(v) > MAX_NUMBER for v in values):
        return [RuleProblem(where, f"numbers must lie within ±{MAX_NUMBER:g}")]
    return []
