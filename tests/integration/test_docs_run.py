"""The README's and the docs' shell examples, run as a reader would run them, against a stack that `make up` starts.

The stack is started by `portcullis dev up` (the code path of `make up`: topics, default model, development keys,
five services, auth on) with a run folder, ports and a topic prefix of its own on the test broker, so it collides
neither with a developer's `make up` nor with other tests. Every ```sh / ```bash block of the documents below
with a line that calls `curl` or `portcullis` runs in bash, in the documents' order, unless SKIPPED names it
(with the reason). The blocks' ports and `.run/` are this stack's; nothing else of the text is changed except
CAPS (bounded traffic).

Each `curl` must answer 2xx and each `portcullis` exit 0, unless the document shows another status (`# 422 {…`).
Where the document shows an answer (a `# {…}` / `# → 201 {…}` comment under the command, or a ```json block
right after the example), the answer must have the shown values of its key fields (KEY_FIELDS; timestamps,
scores, row ids and cursors are the store's own); a command's text answer must contain the shown text, `…`
standing for anything.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from portcullis.cli.processes import free_ports
from tests.conftest import REPO
from tests.integration.conftest import BOOTSTRAP

pytestmark = pytest.mark.integration

# The order a reader meets them: the watchlist guide's import first (its answers show a first import), then the
# README (keys, import, 2,000 declarations, one posted by hand), the gateway's API on those, the other streams.
DOCUMENTS = ["docs/watchlist.md", "README.md", "docs/api.md", "docs/streams.md", "docs/model.md", "docs/screening.md"]

# (document, text the block starts with): why it does not run here.
SKIPPED = {
    ("README.md", "export PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS"): "needs a second Kafka cluster",
    ("README.md", ".venv/bin/portcullis model train --train"): "offline model tooling (tests/unit/riskmodel)",
    ("README.md", ".venv/bin/portcullis model train --feedback"): "needs a declarations export file",
    ("docs/api.md", ".venv/bin/portcullis model train --feedback"): "needs a declarations export file",
    ("docs/model.md", "portcullis model train"): "offline model tooling (tests/unit/riskmodel)",
    ("README.md", 'curl -s "http://127.0.0.1:8000/v1/reviews?office_id=30"'): (
        "needs possible matches waiting for review (review ids 17, 18): tests/integration/test_reviews.py makes the "
        "same requests on a traveller's possible match"
    ),
    ("README.md", 'curl -s "http://127.0.0.1:8004/v1/alerts?status=open'): (
        "needs an entry listed after a month of stored traffic (alert ids): tests/integration/test_rescreen.py makes "
        "the same requests"
    ),
    (
        "docs/watchlist.md",
        'curl -s -H "Authorization: Bearer $PORTCULLIS_ANALYST_KEY" -X PUT http://127.0.0.1:8003/v1/rules',
    ): ("a template: rule.json and the declarations are the reader's"),
    ("README.md", "curl -s -X PUT http://127.0.0.1:8003/v1/rules/R-MIRROR-GAP"): (
        "a red rule on the mirror gap, live, would change lanes the later documents show: "
        "tests/integration/test_mirror_rule.py saves such a rule through the watchlist and scores with it"
    ),
}

# Bounded traffic: the examples' 20,000-item replays send 1,000 here.
CAPS = [(re.compile(r"--count (\d{5,})"), "--count 1000")]

# Fields whose shown value must be the answer's; the others (times, scores, ids, cursors, versions) are the run's.
KEY_FIELDS = frozenset(
    {
        "accepted", "action", "changed_by", "count", "currency", "deleted", "detail", "field", "in_force_now",
        "inspected", "irregularity_found", "kind", "lane", "list_name", "matched", "name", "officer_id", "published",
        "reason", "revenue_recovered", "role", "rules_version", "severity", "stream", "subject_id", "type",
    }
)  # fmt: skip

_FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
# A command line, or one whose output a variable takes (`next=$(curl …)`).
_COMMAND = re.compile(r"^\s*(?:\w+=\$\()?(curl|portcullis|\.venv/bin/portcullis)\s")
_ANSWER = re.compile(r"^(?:→\s*)?(\d{3})?[\s,]*(.*)$", re.DOTALL)
_STRING = r'"(?:[^"\\]|\\.)*"'
_SCALAR = rf"{_STRING}|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null"
_PAIR = re.compile(rf'"(\w+)"\s*:\s*({_SCALAR}|\[\s*(?:(?:{_SCALAR})\s*,?\s*)*\])')
_SHOWN_ANSWER = re.compile(r"^\s*(→\s*)?(\d{3}\b|[{\[])")  # `# {…}`, `# → 201 {…}`, `# 422 {…}`, `# 400 text`
_ELLIPSIS = re.compile(r"…|\.\.\.")


@dataclass
class Command:
    line: int
    program: str
    text: str
    answer: list[str] = field(default_factory=list)


@dataclass
class Block:
    document: str
    line: int  # of the opening fence, 1-based
    text: str
    commands: list[Command]
    closing_index: int  # of the closing fence, 0-based


def _parse_commands(lines: list[str], first_line: int) -> list[Command]:
    """The block's curl and portcullis commands, each with the answer the document shows under it."""
    commands: list[Command] = []
    in_quote = continued = False
    answer_open = False
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not in_quote and not continued and stripped.startswith("#"):
            comment = stripped[1:]
            if answer_open and commands:
                shown = commands[-1].answer
                starts = not shown and (commands[-1].program == "portcullis" or _SHOWN_ANSWER.match(comment))
                if starts or (shown and re.match(r"^\s{2,}\S", comment)):
                    shown.append(comment.strip())
                else:
                    answer_open = False
            continue
        if not in_quote and not continued:
            match = _COMMAND.match(line)
            if match:
                program = "curl" if match.group(1) == "curl" else "portcullis"
                commands.append(Command(first_line + offset, program, stripped))
            elif stripped:
                answer_open = False
        elif commands:
            commands[-1].text += "\n" + stripped
        code = line if in_quote else line.split(" # ", 1)[0]
        if code.count("'") % 2 == 1:
            in_quote = not in_quote
        continued = not in_quote and line.rstrip().endswith("\\")
        answer_open = not in_quote and not continued and bool(commands)
    return commands


def shell_blocks() -> list[Block]:
    """Every sh/bash block of the documents with a curl or portcullis command."""
    blocks: list[Block] = []
    for document in DOCUMENTS:
        lines = (REPO / document).read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            opening = _FENCE.match(lines[index])
            if not opening or not opening.group(2):
                index += 1
                continue
            indent, language = len(opening.group(1)), opening.group(2)
            end = index + 1
            while end < len(lines) and not _FENCE.match(lines[end]):
                end += 1
            body = [line[indent:] for line in lines[index + 1 : end]]
            if language in {"sh", "bash"}:
                commands = _parse_commands(body, index + 2)
                if commands:
                    blocks.append(Block(document, index + 1, "\n".join(body), commands, end))
            elif language == "json" and blocks and blocks[-1].document == document:
                # An answer shown right after the example (nothing but blank lines between) is its last command's.
                previous = blocks[-1]
                between = lines[previous.closing_index + 1 : index]
                if not previous.commands[-1].answer and not any(line.strip() for line in between):
                    previous.commands[-1].answer = [" ".join(line.strip() for line in body)]
            index = end + 1
    return blocks


def _skip_reason(block: Block) -> str | None:
    first = next(line.strip() for line in block.text.splitlines() if line.strip() and not line.strip().startswith("#"))
    for (document, start), why in SKIPPED.items():
        if document == block.document and first.startswith(start):
            return why
    return None


@dataclass
class Stack:
    run_dir: Path
    workdir: Path
    env: dict[str, str]
    ports: dict[str, int]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The system as `make up` starts it, on ports, a run folder and topics of its own; stopped with `dev down`."""
    root = tmp_path_factory.mktemp("docs-run")
    run_dir, workdir = root / "run", root / "work"
    workdir.mkdir()
    # The reader's working directory: the project's data, and `.run` the stack's run folder.
    (workdir / "data").symlink_to(REPO / "data")
    (workdir / ".run").symlink_to(run_dir)
    gateway, ingest, scoring, watchlist, analytics = free_ports(5)
    ports = {"8000": gateway, "8001": ingest, "8002": scoring, "8003": watchlist, "8004": analytics}
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PORTCULLIS_RUN_DIR": str(run_dir),
        "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": BOOTSTRAP,
        "PORTCULLIS_KAFKA_TOPIC_PREFIX": f"docs{uuid.uuid4().hex[:8]}.",
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_GATEWAY_PORT": str(gateway),
        "PORTCULLIS_INGEST_PORT": str(ingest),
        "PORTCULLIS_SCORING_PORT": str(scoring),
        "PORTCULLIS_WATCHLIST_PORT": str(watchlist),
        "PORTCULLIS_ANALYTICS_PORT": str(analytics),
        "PORTCULLIS_CORS_ORIGINS": "https://inspection.customs.example",  # the CORS example's setting
        "COLUMNS": "200",
    }
    env.pop("PORTCULLIS_API_KEY", None)
    portcullis = str(Path(sys.executable).parent / "portcullis")
    up = subprocess.run(
        [portcullis, "dev", "up", "--timeout-s", "120"], env=env, cwd=workdir, capture_output=True, text=True
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert (run_dir / "dev-keys.env").is_file()
        yield Stack(run_dir, workdir, env, ports)
    finally:
        subprocess.run([portcullis, "dev", "down"], env=env, cwd=workdir, capture_output=True, timeout=120)


_PREAMBLE = r"""
set +e
source .run/dev-keys.env
U=http://127.0.0.1:{gateway}
# Calls are numbered in a file, not a variable: `next=$(curl …)` runs in a subshell.
_next() {{ local n; n=$(( $(cat "$OUT/.n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$OUT/.n"; echo "$OUT/$n"; }}
curl() {{
  local at limit=30 argument; at=$(_next)
  for argument in "$@"; do [[ "$argument" =~ ^-[a-zA-Z]*N ]] && limit=3; done  # a live stream: read a moment
  command curl --max-time "$limit" -o "$at.out" -w '%{{http_code}}' "$@" > "$at.status"; echo $? > "$at.exit"
  cat "$at.out"
}}
portcullis() {{
  local at; at=$(_next)
  command portcullis "$@" > "$at.out" 2> "$at.err"; echo $? > "$at.exit"
  cat "$at.out"
}}
"""


def _localise(text: str, stack: Stack) -> str:
    text = re.sub(r"(127\.0\.0\.1|localhost):(800[0-4])\b", lambda m: f"127.0.0.1:{stack.ports[m.group(2)]}", text)
    text = text.replace(".venv/bin/portcullis", "portcullis")
    for pattern, replacement in CAPS:
        text = pattern.sub(replacement, text)
    return text


def _run_block(block: Block, stack: Stack, out: Path) -> list[str]:
    """Run one block; the problems found (empty when every command answered as the document shows)."""
    out.mkdir()
    script = _PREAMBLE.format(gateway=stack.ports["8000"]) + _localise(block.text, stack)
    ran = subprocess.run(
        ["bash", "-c", script],
        env={**stack.env, "OUT": str(out)},
        cwd=stack.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    where = f"{block.document}:{block.line}"
    calls = len(list(out.glob("*.exit")))
    if calls != len(block.commands):
        return [f"{where}: {len(block.commands)} commands in the text, {calls} ran: {ran.stderr[-1500:]}"]
    problems = []
    for number, command in enumerate(block.commands, start=1):
        problem = _check(command, out / str(number))
        if problem:
            problems.append(f"{block.document}:{command.line}: {command.text.splitlines()[0][:120]}\n    {problem}")
    return problems


def _check(command: Command, at: Path) -> str | None:
    exit_code = int(at.with_suffix(".exit").read_text())
    output = at.with_suffix(".out").read_text(errors="replace")
    shown = " ".join(command.answer)
    answer = _ANSWER.match(shown.strip())
    assert answer is not None
    shown_status, shown_body = answer.group(1), answer.group(2).strip()
    if command.program == "portcullis":
        errors = at.with_suffix(".err").read_text(errors="replace")
        if exit_code != 0:
            return f"exit {exit_code}: {errors.strip()[-800:]}"
        if shown and not _contains(output, shown):
            return f"printed {output.strip()[:800]!r}, the document shows {shown!r}"
        return None
    status = int(at.with_suffix(".status").read_text() or 0)
    live_stream_read = exit_code == 28 and status == 200  # --max-time ended a stream that answered
    if exit_code not in (0, 28) or (exit_code == 28 and not live_stream_read):
        return f"curl exit {exit_code} (status {status})"
    if shown_status is not None and status != int(shown_status):
        return f"answered {status} {output[:500]}, the document shows {shown_status}"
    if shown_status is None and not 200 <= status < 300:
        return f"answered {status} {output[:500]}"
    if shown_body.startswith(("{", "[")):
        return _compare_json(shown_body, output)
    return None


def _contains(actual: str, shown: str) -> bool:
    """Whether the text shows up in the output, `…` standing for anything."""
    flat = " ".join(actual.split())
    position = 0
    for fragment in _ELLIPSIS.split(" ".join(shown.split())):
        fragment = fragment.strip()
        if not fragment:
            continue
        position = flat.find(fragment, position)
        if position < 0:
            return False
        position += len(fragment)
    return True


def _pairs(document: object) -> set[tuple[str, str]]:
    """Every (field, scalar value) of an answer, at any depth, values as JSON text."""
    found: set[tuple[str, str]] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
                found.add((key, json.dumps(value)))
            if isinstance(value, (dict, list)):
                found |= _pairs(value)
            else:
                found.add((key, json.dumps(value)))
    elif isinstance(document, list):
        for item in document:
            found |= _pairs(item)
    return found


def _compare_json(shown: str, output: str) -> str | None:
    try:
        actual = _pairs(json.loads(output))
    except ValueError:
        return f"answered {output[:300]!r}, not JSON"
    missing = []
    for key, raw in _PAIR.findall(shown):
        if key not in KEY_FIELDS:
            continue
        value = json.loads(raw)
        if isinstance(value, str) and _ELLIPSIS.search(value):
            matched = any(k == key and _contains(json.loads(v), value) for k, v in actual if v.startswith('"'))
        else:
            matched = (key, json.dumps(value)) in actual
        if not matched:
            missing.append(f"{key}={raw}")
    if missing:
        return f"the answer lacks {', '.join(missing)}: {output[:600]}"
    return None


def _wait_for_decisions(stack: Stack) -> None:
    """After traffic was sent: until the gateway's count of stored decisions stops growing (at most 30 s)."""
    key = next(
        line.split("=", 1)[1]
        for line in (stack.run_dir / "dev-keys.env").read_text().splitlines()
        if line.startswith("PORTCULLIS_READER_KEY=")
    )
    url = f"http://127.0.0.1:{stack.ports['8000']}/v1/statistics"
    previous, deadline = -1, time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        count = int(answer.json()["decisions"]) if answer.status_code == 200 else -1
        if count == previous and count > 0:
            return
        previous = count
        time.sleep(1.0)


def test_the_blocks_are_found_and_the_skip_list_is_current() -> None:
    blocks = shell_blocks()
    for document, start in SKIPPED:
        assert any(b.document == document and _skip_reason(b) == SKIPPED[document, start] for b in blocks), start
    readme = [(c.text.splitlines()[0], c.answer) for b in blocks if b.document == "README.md" for c in b.commands]
    assert (
        ".venv/bin/portcullis replay declarations --limit 2000",
        ["accepted 2000, failed 0 in … s (… a second)"],
    ) in readme
    posts = [
        answer for text, answer in readme if text.startswith("curl -s -X POST http://127.0.0.1:8001/v1/declarations")
    ]
    assert posts[0] == ['{"accepted":["97061800"],"count":1}']
    assert posts[1][0].startswith('422 {"detail":[{"field":"submitted_at"')
    assert sum(_skip_reason(b) is None for b in blocks) >= 12


def test_the_checks_fail_on_a_wrong_answer() -> None:
    shown = '{"detail":[{"field":"imo_number","reason":"not an IMO ship number (seven digits …)"}],"score":0.5}'
    right = '{"detail":[{"field":"imo_number","reason":"not an IMO ship number (seven digits with a check digit)"}]}'
    assert _compare_json(shown, right) is None  # the score is the run's own
    wrong = right.replace("imo_number", "name")
    assert _compare_json(shown, wrong) == f'the answer lacks field="imo_number": {wrong}'
    assert _compare_json('{"accepted":["97061800"],"count":1}', '{"accepted":["97061801"],"count":1}') is not None
    assert _contains("OFAC SDN: 8976 parties, 11910 aliases; added 0", "OFAC SDN: 8976 parties, … added …")
    assert not _contains("OFAC SDN: 8975 parties, 11910 aliases", "OFAC SDN: 8976 parties, …")


@pytest.mark.timeout(900)  # the stack's start (model, five services) and stop count, with some 60 commands
def test_the_docs_commands_run_against_a_stack_started_as_make_up_does(stack: Stack, tmp_path: Path) -> None:
    problems: list[str] = []
    ran = 0
    for index, block in enumerate(shell_blocks()):
        if _skip_reason(block) is not None:
            continue
        problems += _run_block(block, stack, tmp_path / f"block-{index}")
        ran += len(block.commands)
        if re.search(r"replay|/v1/(declarations|passengers|containers)\b", block.text):
            _wait_for_decisions(stack)
    assert ran >= 30
    assert not problems, f"{len(problems)} of {ran} documented commands failed:\n" + "\n".join(problems)
    shutil.rmtree(tmp_path, ignore_errors=True)
