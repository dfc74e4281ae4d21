"""Named list sources on the real broker with keys required: a scheduled refresh from a folder, `portcullis
watchlist refresh` with its diff, an unchanged re-run that writes and publishes nothing, and a malformed file."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import typer
from typer.testing import CliRunner

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.cli.watchlist_refresh import refresh_command
from portcullis.shared.auth import Role, new_key
from portcullis.shared.settings import KafkaSettings
from tests.conftest import REPO
from tests.integration.conftest import read_topic, wait_for

pytestmark = pytest.mark.integration

UN_DIR = REPO / "data" / "un-sc"
FTM_DIR = REPO / "data" / "opensanctions-ftm"


@pytest.fixture
def watchlist_services(tmp_path: Path, kafka: KafkaSettings) -> Iterator[ServiceSet]:
    """Service processes for tests that need no model (the watchlist service alone)."""
    service_set = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    yield service_set
    service_set.stop_all()


async def entry_keys(kafka: KafkaSettings) -> list[bytes]:
    return [record.key for record in await read_topic(kafka, kafka.topic("watchlist"), timeout_s=10)]  # type: ignore[attr-defined]


async def test_lists_refresh_on_schedule_and_on_command_with_their_diff(
    watchlist_services: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    analyst, analyst_record = new_key("test-analyst", Role.ANALYST)
    await publish_key(kafka, analyst_record)
    watchlist = watchlist_services.start(
        "watchlist",
        {
            "PORTCULLIS_AUTH_REQUIRED": "true",
            "PORTCULLIS_WATCHLIST_REFRESH_SOURCES": json.dumps({"opensanctions": str(FTM_DIR)}),
        },
    )
    as_analyst = {"Authorization": f"Bearer {analyst}", "X-Portcullis-User": "sources-test"}
    sources_url = f"{watchlist.url}/v1/watchlist/sources"
    assert (await http.get(sources_url)).status_code == 401

    # The scheduled refresh ran at start: the six parties of the OpenSanctions sample are stored and published.
    async def opensanctions_version() -> dict[str, object] | None:
        response = await http.get(f"{sources_url}/opensanctions", headers=as_analyst)
        current: dict[str, object] | None = response.json()["current"]
        return current

    scheduled = await wait_for(opensanctions_version, timeout_s=30)
    assert (scheduled["imported_by"], scheduled["origin"], scheduled["added"]) == ("scheduled-refresh", str(FTM_DIR), 6)
    assert len(await entry_keys(kafka)) == 6

    # The command: a new list from a folder; the answer and the output name what was added.
    cli = typer.Typer()
    cli.command()(refresh_command)

    def refresh(origin: Path) -> str:
        outcome = CliRunner().invoke(
            cli, ["--source", "un-sc", "--from", str(origin), "--url", watchlist.url, "--api-key", analyst]
        )
        assert outcome.exit_code == 0, outcome.output
        return outcome.output

    output = refresh(UN_DIR)
    assert "UN SC Consolidated List (un-sc) 2026-02-27T00:00:09.554Z, new version: 7 parties; added 7," in output
    assert len(await entry_keys(kafka)) == 13
    screened = await http.get(f"{watchlist.url}/v1/screen", params={"name": "Eric Badege"}, headers=as_analyst)
    (match,) = screened.json()["matches"]
    assert (match["entry_id"], match["list_name"]) == ("un-sc:CDi.001", "UN SC Consolidated List")
    assert match["reason"] == "UN SC Consolidated List, DRC sanctions, CDi.001"

    # The same version again: nothing written, nothing published.
    output = refresh(UN_DIR / "consolidated.xml")
    assert "unchanged: 7 parties; added 0, changed 0, removed 0, unchanged 7" in output
    assert len(await entry_keys(kafka)) == 13

    # A later version without CDi.003: it is removed (published as deleted) and the diff names it.
    later = tmp_path / "later"
    later.mkdir()
    original = (UN_DIR / "consolidated.xml").read_text(encoding="utf-8")
    start = original.index("    <INDIVIDUAL>\n      <DATAID>6907995</DATAID>")
    end = original.index("    </INDIVIDUAL>\n", start) + len("    </INDIVIDUAL>\n")
    (later / "consolidated.xml").write_text(original[:start] + original[end:], encoding="utf-8")
    output = refresh(later)
    assert "added 0, changed 0, removed 1, unchanged 6" in output
    assert "  removed: un-sc:CDi.003" in output
    records = await read_topic(kafka, kafka.topic("watchlist"), timeout_s=10)
    last = records[-1]
    assert last.key == b"entry:un-sc:CDi.003"  # type: ignore[attr-defined]
    assert orjson.loads(last.value)["deleted"] is True  # type: ignore[attr-defined]
    history = (await http.get(f"{sources_url}/un-sc", headers=as_analyst)).json()
    assert [(v["added"], v["removed"]) for v in history["versions"]] == [(0, 1), (7, 0)]
    assert history["versions"][0]["diff"]["removed"] == ["un-sc:CDi.003"]

    # A malformed file: 422 naming the file and the place; nothing changes.
    broken = {"files": {"consolidated.xml": "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n</CONSOLIDATED_LIST>"}}
    refused = await http.post(f"{sources_url}/un-sc/refresh", json=broken, headers=as_analyst)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == [
        {"field": "files.consolidated.xml", "reason": "not well-formed XML at line 3, column 3"}
    ]
    unknown = await http.post(f"{sources_url}/un-sc/refresh", json={"files": {"x.csv": "a"}}, headers=as_analyst)
    assert [e["field"] for e in unknown.json()["detail"]] == ["files.x.csv", "files"]
    assert len(await read_topic(kafka, kafka.topic("watchlist"), timeout_s=10)) == len(records)
