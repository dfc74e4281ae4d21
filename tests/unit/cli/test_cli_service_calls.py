"""The command line as a user meets it: it sends a key, says why a call was refused, and exits with a clear code.

A small HTTP server stands in for ingest and the watchlist service: it accepts one key and refuses others with
the services' own 401 body.
"""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portcullis.cli import paths
from portcullis.cli.main import app
from tests.conftest import REPO

GOOD_KEY = "pck_0123456789ab_good"
SDN_DIR = REPO / "data" / "ofac-sdn"
IMPORT_ANSWER = {
    "list_name": "OFAC SDN", "parties": 8976, "aliases": 11910, "added": 8976, "changed": 0, "removed": 0,
    "unchanged": 0, "rejected": 0, "rejections": [],
}  # fmt: skip


@dataclass
class FakeService:
    url: str
    keys_seen: list[str] = field(default_factory=list)
    documents: int = 0
    posted: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def service() -> Iterator[FakeService]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.keys_seen.append(self.headers.get("Authorization", ""))
            if self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
                self._answer(401, {"detail": "a valid API key is required (Authorization: Bearer <key>)"})
            elif self.path.startswith("/v1/watchlist/imports/"):
                self._answer(200, IMPORT_ANSWER)
            else:
                fake.documents += len(body)
                fake.posted.extend(body)
                self._answer(202, {"accepted": [], "count": len(body)})

        def _answer(self, status: int, document: object) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeService(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder of its own, no key in the environment, and a working directory outside the project."""
    folder = tmp_path / "run"
    folder.mkdir()
    monkeypatch.setenv("PORTCULLIS_RUN_DIR", str(folder))
    monkeypatch.delenv("PORTCULLIS_API_KEY", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_import_sends_the_analyst_key_of_the_dev_keys_file(service: FakeService, run_folder: Path) -> None:
    (run_folder / "dev-keys.env").write_text(
        f"PORTCULLIS_SUBMITTER_KEY=pck_aaaaaaaaaaaa_submitter\nPORTCULLIS_ANALYST_KEY={GOOD_KEY}\n"
    )
    code, out, err = run("watchlist", "import", "--format", "ofac-sdn", str(SDN_DIR), "--url", service.url)
    assert code == 0, err
    assert service.keys_seen == [f"Bearer {GOOD_KEY}"]
    assert "OFAC SDN: 8976 parties, 11910 aliases; added 8976" in out


def test_the_option_wins_over_the_environment_which_wins_over_the_file(
    service: FakeService, run_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (run_folder / "dev-keys.env").write_text("PORTCULLIS_ANALYST_KEY=pck_bbbbbbbbbbbb_fromfile\n")
    monkeypatch.setenv("PORTCULLIS_API_KEY", GOOD_KEY)
    assert run("watchlist", "import", str(SDN_DIR), "--url", service.url)[0] == 0
    code, _out, err = run("watchlist", "import", str(SDN_DIR), "--url", service.url, "--api-key", "pck_cccccccccccc_x")
    assert service.keys_seen == [f"Bearer {GOOD_KEY}", "Bearer pck_cccccccccccc_x"]
    assert code == 1
    assert err.strip().splitlines() == [
        "import refused (401): a valid API key is required (Authorization: Bearer <key>)"
    ]


def test_without_any_key_the_refusal_says_where_keys_come_from(service: FakeService, run_folder: Path) -> None:
    code, out, err = run("watchlist", "import", str(SDN_DIR), "--url", service.url)
    assert code == 1
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("import refused (401): a valid API key is required")
    assert "--api-key" in line
    assert "PORTCULLIS_API_KEY" in line
    assert str(run_folder / "dev-keys.env") in line


def test_replay_sends_the_submitter_key_and_counts_what_was_accepted(service: FakeService, run_folder: Path) -> None:
    (run_folder / "dev-keys.env").write_text(f"PORTCULLIS_SUBMITTER_KEY={GOOD_KEY}\nPORTCULLIS_ANALYST_KEY=x\n")
    code, out, err = run("replay", "declarations", "--url", service.url, "--limit", "120", "--rate", "0")
    assert code == 0, err
    assert service.documents == 120
    assert set(service.keys_seen) == {f"Bearer {GOOD_KEY}"}
    assert out.startswith("accepted 120, failed 0 in ")


def test_replay_of_version_2_declarations_adds_parties_and_writes_the_ground_truth(
    service: FakeService, run_folder: Path, tmp_path: Path
) -> None:
    (run_folder / "dev-keys.env").write_text(f"PORTCULLIS_SUBMITTER_KEY={GOOD_KEY}\n")
    truth = tmp_path / "truth.csv"
    code, out, err = run(
        "replay", "declarations", "--v2", "--url", service.url, "--limit", "200", "--rate", "0",
        "--planted-share", "0.1", "--truth", str(truth), "--sanctions", str(SDN_DIR), "--id-suffix", "-v2",
    )  # fmt: skip
    assert code == 0, err
    assert "generated 200 version-2 declarations, 20 with a planted risk" in out.splitlines()
    assert service.documents == 200
    assert all(document["parties"] and document["transport"] for document in service.posted)
    rows = truth.read_text().splitlines()
    assert len(rows) == 201
    assert sum(row.split(",")[3] == "1" for row in rows[1:]) == 20
    assert {row.split(",")[1] for row in rows[1:]} == {str(d["declaration_id"]) for d in service.posted}


def test_a_refused_replay_stops_and_says_why(service: FakeService, run_folder: Path) -> None:
    code, out, err = run(
        "replay",
        "passengers",
        "--url",
        service.url,
        "--count",
        "2000",
        "--batch",
        "10",
        "--api-key",
        "pck_dddddddddddd_x",
    )
    assert code == 1
    assert service.documents == 0
    assert len(service.keys_seen) <= 8  # the batches in flight when the first refusal came back, not all 200
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("accepted 0, failed ")
    assert ", not sent " in summary
    assert err.strip().splitlines()[-1].startswith("replay refused (401) for ")
    assert (
        err.strip().splitlines()[-1].endswith("passengers: a valid API key is required (Authorization: Bearer <key>)")
    )


def test_an_unreachable_service_is_one_line_and_exit_1(run_folder: Path) -> None:
    code, _out, err = run("watchlist", "import", str(SDN_DIR), "--url", "http://127.0.0.1:9")
    assert code == 1
    assert err.startswith("import failed: could not reach the watchlist service at http://127.0.0.1:9")
    assert "Traceback" not in err


def test_missing_and_malformed_input_files(run_folder: Path, tmp_path: Path) -> None:
    code, _out, err = run("replay", "declarations", "--input", str(tmp_path / "nothing.csv"))
    assert code == 2
    assert "does not exist" in err

    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\x00 not a csv\n")
    code, _out, err = run("replay", "declarations", "--input", str(garbage))
    assert code == 1
    assert err.startswith(f"cannot replay {garbage}: ")
    assert "Traceback" not in err

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    code, _out, err = run("replay", "declarations", "--input", str(wrong))
    assert (code, err.count("\n")) == (1, 1)
    assert "missing column(s)" in err

    code, _out, err = run("watchlist", "import", str(tmp_path))
    assert code == 2
    assert "Invalid value for DIRECTORY" in err
    assert "Traceback" not in err
    code, _out, err = run("watchlist", "compare", "--input", str(garbage), "--output", str(tmp_path / "o.csv"))
    assert code == 1
    assert "Traceback" not in err


def test_version_and_usage_errors() -> None:
    code, out, _err = run("--version")
    assert code == 0
    assert out.startswith("portcullis ")
    assert out.split()[1][0].isdigit()
    assert run("replay", "declarations", "--rate", "fast")[0] == 2
    assert run("no-such-command")[0] == 2


def test_the_run_folder_is_the_projects_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORTCULLIS_RUN_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.run_dir() == REPO / ".run"
    assert paths.in_project("data/ofac-sdn") == SDN_DIR


def test_without_url_the_commands_call_the_ports_make_up_uses(
    service: FakeService, run_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = service.url.rsplit(":", 1)[1]
    monkeypatch.setenv("PORTCULLIS_WATCHLIST_PORT", port)
    monkeypatch.setenv("PORTCULLIS_INGEST_PORT", port)
    monkeypatch.setenv("PORTCULLIS_API_KEY", GOOD_KEY)
    assert run("watchlist", "import", str(SDN_DIR))[0] == 0
    code, out, _err = run("replay", "declarations", "--limit", "10", "--rate", "0")
    assert code == 0
    assert out.startswith("accepted 10, failed 0")
    assert len(service.keys_seen) == 2
