"""`portcullis replay outcomes`: reads the decisions from the gateway's feedback export with the reader key, posts
the outcome of every inspected one with the inspector key, and writes the ground truth it posted."""

import csv
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portcullis.cli.main import app
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas.outcome import InspectionOutcome
from tests.conftest import REPO

CSV = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"
READER, INSPECTOR = "pck_reader_key_0001", "pck_inspector_key_01"
LANES = ("red", "yellow", "green")


@dataclass
class FakeGateway:
    url: str
    decisions: list[dict[str, object]]
    posted: dict[str, dict[str, object]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    declarations = items_to_declarations(read_items_csv(CSV).items)
    ids = [declaration.declaration_id for _, declaration in zip(range(300), declarations, strict=False)]
    decided_at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    decisions: list[dict[str, object]] = [
        {"subject_id": f"{key}-r1", "lane": LANES[index % 3], "decided_at": decided_at} for index, key in enumerate(ids)
    ]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/v1/exports/feedback" and self.headers.get("Authorization") == f"Bearer {READER}"
            lines = "".join(json.dumps(decision) + "\n" for decision in fake.decisions)
            self._answer(200 if ok else 401, lines.encode() if ok else b'{"detail": "no"}')

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.keys.add(self.headers.get("Authorization", ""))
            fake.posted[self.path.removeprefix("/v1/decisions/").removesuffix("/outcome")] = body
            self._answer(201, b"{}")

        def _answer(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeGateway(f"http://127.0.0.1:{server.server_address[1]}", decisions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def test_replay_outcomes_posts_an_outcome_for_every_inspected_declaration(
    gateway: FakeGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTCULLIS_RUN_DIR", str(tmp_path))
    monkeypatch.delenv("PORTCULLIS_API_KEY", raising=False)
    truth = tmp_path / "outcomes.csv"
    result = CliRunner().invoke(
        app,
        ["replay", "outcomes", "--gateway-url", gateway.url, "--reader-key", READER, "--api-key", INSPECTOR,
         "--limit", "300", "--id-suffix", "-r1", "--truth", str(truth)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    red = {str(d["subject_id"]) for d in gateway.decisions if d["lane"] == "red"}
    green = {str(d["subject_id"]) for d in gateway.decisions if d["lane"] == "green"}
    assert red <= set(gateway.posted)
    assert not green & set(gateway.posted)
    assert gateway.keys == {f"Bearer {INSPECTOR}"}
    for body in gateway.posted.values():
        InspectionOutcome.model_validate(body)
    with truth.open(encoding="utf-8") as file:
        rows = {row["declaration_id"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(gateway.posted)
    for subject_id, body in gateway.posted.items():
        assert body["irregularity_found"] == (rows[subject_id]["non_compliant"] == "1")
    assert f"recorded {len(gateway.posted)}, failed 0" in result.stdout
