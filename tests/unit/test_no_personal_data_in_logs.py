"""No log call in the code passes personal data: names, dates of birth, passport or document numbers.

Log events are structured (`log.info("event", key=value)`); this reads every such call in the services, shared and
cli packages and refuses keys or values that name personal fields, and messages built from f-strings.
"""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "shared", "cli")
LEVELS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
PERSONAL = re.compile(
    r"(^|[._])(name|names|full_name|surname|given_names?|aliases|passport\w*|document_number|documents|"
    r"birth_dates?|birth_years?|date_of_birth|dob|nationalit(y|ies)|traveller|passenger)($|\b)",
    re.IGNORECASE,
)
#: Keys that name something other than a person.
ALLOWED_KEYS = frozenset({"list_name"})


def _log_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LEVELS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "logging"}
        ):
            calls.append(node)
    return calls


def _findings(source: str, where: str) -> list[str]:
    found = []
    for call in _log_calls(ast.parse(source)):
        line = f"{where}:{call.lineno}"
        if call.args and isinstance(call.args[0], ast.JoinedStr):
            found.append(f"{line}: an f-string message (use an event name and key=value fields)")
        for keyword in call.keywords:
            counted = isinstance(keyword.value, ast.Call) and getattr(keyword.value.func, "id", "") == "len"
            if counted:
                continue  # how many names, not the names
            if keyword.arg is not None and keyword.arg not in ALLOWED_KEYS and PERSONAL.search(keyword.arg):
                found.append(f"{line}: key {keyword.arg!r}")
            for node in ast.walk(keyword.value):
                if isinstance(node, ast.Attribute) and node.attr not in ALLOWED_KEYS and PERSONAL.search(node.attr):
                    found.append(f"{line}: value {ast.get_source_segment(source, node)!r}")
    return found


def test_no_log_call_carries_personal_data() -> None:
    files = [path for package in PACKAGES for path in (REPO / package).rglob("*.py") if "migrations" not in path.parts]
    assert len(files) > 50
    findings = [f for path in files for f in _findings(path.read_text(), str(path.relative_to(REPO)))]
    assert not findings, "\n".join(findings)


def test_the_check_finds_what_it_looks_for() -> None:
    source = (
        "log.info('screened', name=query.name)\n"
        "log.warning('hit', passport_number=p)\n"
        "log.info('matched', entry=passenger.surname)\n"
        "log.info(f'hit on {x}')\n"
        "log.info('imported', list_name=result.list_name, parties=3)\n"
    )
    assert [f.split(":")[1] for f in _findings(source, "example.py")] == ["1", "1", "2", "3", "4"]
