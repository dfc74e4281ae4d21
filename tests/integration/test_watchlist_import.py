"""Importing the OFAC SDN list through the command line and the API: complete, idempotent, removals applied."""

import shutil
import sqlite3
import time
from pathlib import Path

import httpx
import orjson
import pytest
import typer
from typer.testing import CliRunner

from portcullis.cli.processes import ServiceSet
from portcullis.cli.watchlist_import import import_command
from portcullis.shared.settings import KafkaSettings
from tests.conftest import REPO
from tests.integration.conftest import read_topic

pytestmark = pytest.mark.integration

SDN_DIR = REPO / "data" / "ofac-sdn"
USER = {"X-Portcullis-User": "import-test"}


def stored_entries(database: Path) -> list[dict[str, object]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT body FROM watchlist_entries WHERE list_name = 'OFAC SDN' AND deleted_at IS NULL"
        ).fetchall()
    return [orjson.loads(body) for (body,) in rows]


async def test_the_sdn_list_loads_completely_and_importing_it_again_changes_nothing(
    services: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    watchlist = services.start("watchlist")
    cli = typer.Typer()
    cli.command()(import_command)
    started = time.monotonic()
    outcome = CliRunner().invoke(cli, [str(SDN_DIR), "--format", "ofac-sdn", "--url", watchlist.url, "--user", "t"])
    first_import_s = time.monotonic() - started
    assert outcome.exit_code == 0, outcome.output
    assert "8976 parties, 11910 aliases; added 8976, changed 0, removed 0, unchanged 0" in outcome.output

    entries = stored_entries(tmp_path / "watchlist.db")
    assert len(entries) == 8976
    assert sum(len(e["aliases"]) for e in entries) == 11910  # type: ignore[arg-type]
    vessels = [e for e in entries if e["kind"] == "vessel"]
    assert len(vessels) == 406
    assert sum(1 for v in vessels if v["imo_number"]) == 399  # every IMO number the list gives a vessel
    published = await read_topic(kafka, kafka.topic("watchlist"), timeout_s=20)
    assert len(published) == 8976

    # The same files again: nothing changes (no versions, no audit rows, no messages).
    started = time.monotonic()
    again = await http.post(
        f"{watchlist.url}/v1/watchlist/imports/ofac-sdn",
        json={"sdn_csv": (SDN_DIR / "sdn.csv").read_text(), "alt_csv": (SDN_DIR / "alt.csv").read_text()},
        headers=USER,
        timeout=120,
    )
    second_import_s = time.monotonic() - started
    assert again.status_code == 200, again.text
    assert again.json() | {"list_name": None} == {
        "list_name": None, "parties": 8976, "aliases": 11910, "added": 0, "changed": 0, "removed": 0, "unchanged": 8976,
        "rejected": 0, "rejections": [],
    }  # fmt: skip
    assert len(await read_topic(kafka, kafka.topic("watchlist"), timeout_s=20)) == 8976
    audit = (await http.get(f"{watchlist.url}/v1/watchlist/entries/ofac-sdn:306/audit")).json()
    assert [record["action"] for record in audit] == ["create"]

    # A newer export without two parties: they are soft-deleted and stop matching.
    trimmed = tmp_path / "trimmed"
    trimmed.mkdir()
    shutil.copy(SDN_DIR / "alt.csv", trimmed / "alt.csv")
    lines = (SDN_DIR / "sdn.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(("306,", "2676,"))]
    (trimmed / "sdn.csv").write_text("".join(kept), encoding="utf-8")
    screened = await http.get(f"{watchlist.url}/v1/screen", params={"name": "Banco Nacional de Cuba"})
    assert "ofac-sdn:306" in [m["entry_id"] for m in screened.json()["matches"]]

    outcome = CliRunner().invoke(cli, [str(trimmed), "--url", watchlist.url])
    assert outcome.exit_code == 0, outcome.output
    assert "added 0, changed 0, removed 2, unchanged 8974" in outcome.output
    screened = await http.get(f"{watchlist.url}/v1/screen", params={"name": "Banco Nacional de Cuba"})
    assert "ofac-sdn:306" not in [m["entry_id"] for m in screened.json()["matches"]]
    assert (await http.get(f"{watchlist.url}/v1/watchlist/entries/ofac-sdn:306")).status_code == 404
    assert len(await read_topic(kafka, kafka.topic("watchlist"), timeout_s=20)) == 8978

    # Scoring rebuilds the lists from the topic before it reports ready.
    started = time.monotonic()
    scoring = services.start("scoring")
    ready_s = time.monotonic() - started
    readiness = (await http.get(f"{scoring.url}/readyz")).json()
    assert readiness["checks"]["watchlist"] is True
    metrics = (await http.get(f"{scoring.url}/metrics")).text
    applied = [
        line
        for line in metrics.splitlines()
        if line.startswith('portcullis_watchlist_messages_applied_total{kind="entry"}')
    ]
    assert applied == ['portcullis_watchlist_messages_applied_total{kind="entry"} 8978.0']
    print(
        f"first import {first_import_s:.1f} s, unchanged re-import {second_import_s:.1f} s, "
        f"scoring ready with the list {ready_s:.1f} s after start"
    )
