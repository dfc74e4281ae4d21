"""Compiling selectivity rules into predicates (validating them on the way) and evaluating them over batches.

A rule is checked item by item: every item-level test in one rule looks at the same goods item, so
`hs6_code prefix 93 and origin_country in (..)` needs one item that is both. Header fields read the
declaration itself. A rule matches a declaration when it holds for at least one item. Passenger records and
container events have no items; a test on one of their many-valued fields holds when any value passes it
(`ne` and `not_in`: when no value is the one named).

Evaluation is indexed: compiling a rule picks, where there is one, a test the rule cannot match without (`eq` /
`in` on a code or country field, `prefix` on a code field, a conjunct of its `all`, or for an `any` one such test
in every branch), and `evaluate` runs only the rules whose test a value of the subject can pass (or that have no
such test), in their order. The skipped rules are false on every item, so the hits are those of running every
rule on every subject.
"""

import operator
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portcullis.shared.rules.fields import OPERATORS, STREAM_FIELDS, FieldSpec, FieldType
from portcullis.shared.rules.limits import RuleProblem, condition_problems
from portcullis.shared.schemas.decision import Stream
from portcullis.shared.schemas.watchlist import LIST_COUNTRY_CODES, Comparison, RuleSpec

Predicate = Callable[[Any, Any], bool]

_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


class RuleValidationError(ValueError):
    """A rule that cannot be compiled: unknown field, operator that does not fit the type, bad value."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class IndexKey:
    """A test a rule needs: the field's value (any one, if many-valued) equals or starts with one of `values`."""

    field: FieldSpec
    prefix: bool
    values: frozenset[str]


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule ready to evaluate, with its identity for reasons and versions."""

    rule_id: str
    version: int
    spec: RuleSpec
    predicate: Predicate
    item_level: bool
    #: The rule holds for no subject (on no item) where none of these keys matches; empty: no such test known.
    index_keys: tuple[IndexKey, ...] = ()

    def in_force(self, at: datetime) -> bool:
        """Whether the rule is enabled and inside its validity window."""
        return self.spec.enabled and self.spec.in_force(at)

    def matching_items(self, subject: Any) -> tuple[int, ...]:
        """1-based numbers of the items the rule holds for; `(0,)` for a match on header fields only."""
        if not self.item_level:
            return (0,) if self.predicate(subject, None) else ()
        predicate = self.predicate
        items = subject.items
        if len(items) == 1:  # most declarations: no generator, no enumerate
            return (1,) if predicate(subject, items[0]) else ()
        return tuple(number for number, item in enumerate(items, start=1) if predicate(subject, item))


@dataclass(frozen=True)
class RuleHit:
    """A rule that matched a subject, and on which items."""

    rule: CompiledRule
    items: tuple[int, ...]


def compile_rule(rule_id: str, version: int, spec: RuleSpec) -> CompiledRule:
    """Validate a rule against its stream's fields and compile it; raise RuleValidationError naming each problem."""
    fields = STREAM_FIELDS[spec.stream]
    problems: list[RuleProblem] = []
    if not fields:
        problems.append(RuleProblem("stream", f"rules on the {spec.stream} stream are not supported yet"))
        raise RuleValidationError(problems)
    # Limits first: compiling walks the condition recursively, which only a bounded one may be.
    problems.extend(condition_problems(spec.condition))
    if problems:
        raise RuleValidationError(problems)
    uses_items: list[bool] = []
    predicate = _compile(spec.condition, "condition", fields, problems, uses_items)
    if problems:
        raise RuleValidationError(problems)
    keys = _necessary_keys(spec.condition, fields) or ()
    return CompiledRule(rule_id, version, spec, predicate, any(uses_items), keys)


def validate_rule(spec: RuleSpec) -> list[RuleProblem]:
    """The problems of a rule (empty when it compiles)."""
    try:
        compile_rule("validation", 1, spec)
    except RuleValidationError as error:
        return error.problems
    return []


def evaluate(
    rules: Sequence[CompiledRule], subjects: Sequence[Any], at: datetime, stream: Stream = Stream.DECLARATION
) -> list[list[RuleHit]]:
    """The hits of the `stream`'s rules in force at `at`, for every subject of a batch (other streams' are skipped)."""
    active = tuple(rule for rule in rules if rule.spec.stream == stream and rule.in_force(at))
    if not active:
        return [[] for _ in subjects]
    index = _index_for(active)
    results: list[list[RuleHit]] = []
    for subject in subjects:
        hits = []
        for rule in index.candidates(subject):
            items = rule.matching_items(subject)
            if items:
                hits.append(RuleHit(rule, items))
        results.append(hits)
    return results


class _Probe:
    """The indexed rules of one field: by value (`eq` / `in`) and by prefix, and how to read the subject's values."""

    def __init__(self, spec: FieldSpec) -> None:
        self.exact: dict[str, list[int]] = {}
        self.prefixes: dict[str, list[int]] = {}
        self.lengths: tuple[int, ...] = ()
        self.every: list[int] = []  # all rules filed here: candidates when the values cannot be looked up
        self.read = _values_reader(spec)

    def add(self, key: IndexKey, position: int) -> None:
        table = self.prefixes if key.prefix else self.exact
        for value in key.values:
            table.setdefault(value, []).append(position)
        if key.prefix:
            self.lengths = tuple(sorted({*self.lengths, *(len(value) for value in key.values)}))
        if not self.every or self.every[-1] != position:
            self.every.append(position)

    def collect(self, subject: Any, candidates: set[int]) -> None:
        """Add the rules whose key one of the subject's values of this field matches."""
        try:
            values = self.read(subject)
        except Exception:  # the predicates themselves decide what a field that cannot be read means
            candidates.update(self.every)
            return
        exact, prefixes, lengths = self.exact, self.prefixes, self.lengths
        for value in values:
            if type(value) is not str:  # only plain text is looked up; anything else is left to the predicates
                if value is None:  # equals no text and starts with none
                    continue
                candidates.update(self.every)
                return
            if exact:
                found = exact.get(value)
                if found is not None:
                    candidates.update(found)
            for length in lengths:
                found = prefixes.get(value[:length])
                if found is not None:
                    candidates.update(found)


class _RuleIndex:
    """The active rules of one evaluation filed under their index keys; the others always run."""

    def __init__(self, rules: tuple[CompiledRule, ...]) -> None:
        self.rules = rules
        self.always: list[int] = []
        probes: dict[int, _Probe] = {}
        for position, rule in enumerate(rules):
            if not rule.index_keys:
                self.always.append(position)
                continue
            for key in rule.index_keys:
                probe = probes.get(id(key.field))
                if probe is None:
                    probe = probes[id(key.field)] = _Probe(key.field)
                probe.add(key, position)
        self.probes = tuple(probes.values())

    def candidates(self, subject: Any) -> Sequence[CompiledRule]:
        """The rules that can match the subject, in their order."""
        if not self.probes:
            return self.rules
        chosen = set(self.always)
        for probe in self.probes:
            probe.collect(subject, chosen)
        rules = self.rules
        return [rules[position] for position in sorted(chosen)]


_INDEXES: dict[tuple[int, ...], _RuleIndex] = {}
_INDEXES_LOCK = threading.Lock()


def _index_for(active: tuple[CompiledRule, ...]) -> _RuleIndex:
    """The index of these rules, built once per rule set (a replica holds a few: one per stream and rule change)."""
    key = tuple(map(id, active))
    index = _INDEXES.get(key)
    if index is not None and all(map(operator.is_, index.rules, active)):  # same objects, not reused ids
        return index
    index = _RuleIndex(active)
    with _INDEXES_LOCK:
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        _INDEXES[key] = index
    return index


def _values_reader(spec: FieldSpec) -> Callable[[Any], Sequence[Any]]:
    """The values of a field a rule's test can see on a subject: every item's, every value of many-valued fields."""
    if spec.many:
        many = spec.get
        return lambda subject: many(subject, None)
    if spec.item_level:
        if spec.attribute is not None:
            attribute = operator.attrgetter(spec.attribute)
            return lambda subject: [attribute(item) for item in subject.items]
        get = spec.get
        return lambda subject: [get(subject, item) for item in subject.items]
    if spec.attribute is not None:
        header = operator.attrgetter(spec.attribute)
        return lambda subject: (header(subject),)
    fact = spec.get
    return lambda subject: (fact(subject, None),)


def _necessary_keys(condition: Comparison, fields: dict[str, FieldSpec]) -> tuple[IndexKey, ...] | None:
    """Keys of which one matches wherever the (validated) condition holds, the cheapest found; None when none."""
    if condition.all is not None:
        options = [keys for part in condition.all if (keys := _necessary_keys(part, fields)) is not None]
        return min(options, key=_cost) if options else None
    if condition.any is not None:
        branches = [_necessary_keys(part, fields) for part in condition.any]
        if any(keys is None for keys in branches):
            return None
        return tuple(key for keys in branches if keys is not None for key in keys)
    if condition.none is not None or condition.field is None or condition.op is None:
        return None
    spec = fields[condition.field]
    indexable = condition.op in {"eq", "in"} and spec.type in {FieldType.CODE, FieldType.COUNTRY}
    if not indexable and not (condition.op == "prefix" and spec.type is FieldType.CODE):
        return None
    value = _check_value(spec, condition.op, condition.value, "", [])
    values = frozenset(value if isinstance(value, list) else [value])
    return (IndexKey(spec, condition.op == "prefix", values),)


def _cost(keys: tuple[IndexKey, ...]) -> int:
    """A guess at how many subjects the keys let through: countries and short prefixes are common."""
    return sum(
        3 if key.field.type is FieldType.COUNTRY else 2 if key.prefix and len(value) <= 2 else 1
        for key in keys
        for value in key.values
    )


def _compile(
    condition: Comparison, path: str, fields: dict[str, FieldSpec], problems: list[RuleProblem], uses_items: list[bool]
) -> Predicate:
    for group_name in ("all", "any", "none"):
        group = getattr(condition, group_name)
        if group is not None:
            parts = tuple(
                _compile(part, f"{path}.{group_name}.{n}", fields, problems, uses_items) for n, part in enumerate(group)
            )
            if group_name == "all":
                return _all_of(parts)
            return _any_of(parts) if group_name == "any" else _none_of(_any_of(parts))
    assert condition.field is not None
    assert condition.op is not None
    spec = fields.get(condition.field)
    if spec is None:
        problems.append(RuleProblem(f"{path}.field", f"unknown field {condition.field!r}; known: {', '.join(fields)}"))
        return _never
    uses_items.append(spec.item_level)
    if condition.op not in OPERATORS[spec.type]:
        allowed = ", ".join(sorted(OPERATORS[spec.type]))
        reason = f"operator {condition.op!r} does not apply to {spec.type} field {spec.name!r}; use one of {allowed}"
        problems.append(RuleProblem(f"{path}.op", reason))
        return _never
    value = _check_value(spec, condition.op, condition.value, f"{path}.value", problems)
    if value is None:
        return _never
    return _test(spec, condition.op, value)


def _never(_subject: Any, _item: Any) -> bool:
    return False


def _check_value(spec: FieldSpec, op: str, value: Any, path: str, problems: list[RuleProblem]) -> Any:
    """The value in the form the test needs, or None after recording a problem."""
    is_list = isinstance(value, list)
    wants_list = op in {"in", "not_in", "between"}
    if wants_list != is_list:
        shape = "a list" if wants_list else "a single value"
        problems.append(RuleProblem(path, f"operator {op!r} needs {shape}"))
        return None
    values = value if is_list else [value]
    if spec.type is FieldType.NUMBER:
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            problems.append(RuleProblem(path, f"{spec.name} is a number; compare it with numbers"))
            return None
        numbers = [float(v) for v in values]
        if op == "between" and (len(numbers) != 2 or numbers[0] > numbers[1]):
            problems.append(RuleProblem(path, "between needs [low, high] with low <= high"))
            return None
        return numbers if is_list else numbers[0]
    if not all(isinstance(v, str) for v in values):
        problems.append(RuleProblem(path, f"{spec.name} is a {spec.type}; compare it with text values"))
        return None
    texts = [v.strip() for v in values]
    if spec.type is FieldType.COUNTRY:
        texts = [t.upper() for t in texts]
        unknown = [t for t in texts if t not in LIST_COUNTRY_CODES]
        if unknown:
            problems.append(RuleProblem(path, f"unknown ISO 3166-1 alpha-2 country code(s): {', '.join(unknown)}"))
            return None
    if not all(texts):
        problems.append(RuleProblem(path, "empty value"))
        return None
    return texts if is_list else texts[0]


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    # Nested two-way closures: no generator per evaluation (this runs for every item of every batch). Split in
    # halves, so a group of n tests nests log2(n) calls deep, not n (which a long group would take past the stack).
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    first, rest = _all_of(parts[:half]), _all_of(parts[half:])
    return lambda subject, item: first(subject, item) and rest(subject, item)


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    first, rest = _any_of(parts[:half]), _any_of(parts[half:])
    return lambda subject, item: first(subject, item) or rest(subject, item)


def _none_of(either: Predicate) -> Predicate:
    return lambda subject, item: not either(subject, item)


def _test(spec: FieldSpec, op: str, value: Any) -> Predicate:
    if spec.nullable:
        return _test_nullable(spec, op, value)
    if spec.many:
        return _test_many(spec, op, value)
    value_of = _reader(spec)
    if op == "eq":
        return lambda subject, item: bool(value_of(subject, item) == value)
    if op == "ne":
        return lambda subject, item: bool(value_of(subject, item) != value)
    if op in {"in", "not_in"}:
        members = frozenset(value)
        if op == "in":
            return lambda subject, item: value_of(subject, item) in members
        return lambda subject, item: value_of(subject, item) not in members
    if op == "prefix":
        return lambda subject, item: (value_of(subject, item) or "").startswith(value)
    if op == "between":
        low, high = value
        return lambda subject, item: bool(low <= value_of(subject, item) <= high)
    compare = _ORDERING[op]
    return lambda subject, item: bool(compare(value_of(subject, item), value))


def _test_many(spec: FieldSpec, op: str, value: Any) -> Predicate:
    """A test on a many-valued field: any value passes; `ne` / `not_in` pass when no value is the one(s) named."""
    read = spec.get
    if op in {"ne", "not_in"}:
        positive = _test(_single(spec), "eq" if op == "ne" else "in", value)
        return lambda subject, item: not any(positive(value, None) for value in read(subject, item))
    one = _test(_single(spec), op, value)
    return lambda subject, item: any(one(value, None) for value in read(subject, item))


def _test_nullable(spec: FieldSpec, op: str, value: Any) -> Predicate:
    """A test on a field that may have no value: it holds for none of its operators (`ne` included) then."""
    read = spec.get
    present = _test(_single(spec), op, value)
    return lambda subject, item: (found := read(subject, item)) is not None and present(found, None)


def _single(spec: FieldSpec) -> FieldSpec:
    """A reader of one of the field's values (the value itself is passed as the subject)."""
    return FieldSpec(spec.name, spec.type, False, spec.description, lambda value, _item: value)


def _reader(spec: FieldSpec) -> Callable[[Any, Any], Any]:
    """The field's reader; plain attributes are read with a C-level attrgetter instead of a Python call chain."""
    if spec.attribute is None:
        return spec.get
    read = operator.attrgetter(spec.attribute)
    if spec.item_level:
        return lambda _subject, item: read(item)
    return lambda subject, _item: read(subject)
