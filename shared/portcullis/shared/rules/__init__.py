"""Selectivity rules as data: the field catalogue per stream, validation, compilation and batch evaluation."""

from portcullis.shared.rules.engine import (
    CompiledRule,
    RuleHit,
    RuleValidationError,
    compile_rule,
    evaluate,
    validate_rule,
)
from portcullis.shared.rules.fields import OPERATORS, STREAM_FIELDS, FieldSpec, FieldType
from portcullis.shared.rules.limits import RuleProblem, condition_problems

__all__ = [
    "OPERATORS",
    "STREAM_FIELDS",
    "CompiledRule",
    "FieldSpec",
    "FieldType",
    "RuleHit",
    "RuleProblem",
    "RuleValidationError",
    "compile_rule",
    "condition_problems",
    "evaluate",
    "validate_rule",
]
