"""Mirror analysis through the analytics service as it runs, keys on: an analyst imports the partners' Comtrade file
with the command line (a bad file is refused whole, a second import changes nothing), a reader reads the report,
which ranks every planted under-invoiced HS6 x origin pair of the Korea Customs quarter in its top 10."""

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.settings import KafkaSettings
from tests.unit.analytics.mirror_data import mirror_store

pytestmark = pytest.mark.integration

QUARTER = {"from": "2021-01-01", "to": "2021-03-31"}


def _portcullis(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "portcullis"), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


async def test_analyst_imports_reader_reads_planted_pairs_ranked_first(
    tmp_path: Path, kafka: KafkaSettings, sample_declarations: list[dict[str, object]]
) -> None:
    _, sample = mirror_store(tmp_path, sample_declarations)  # the store of the service below: tmp_path/history
    keys = {}
    for role in (Role.READER, Role.ANALYST):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    services = ServiceSet(tmp_path, kafka, tmp_path / "models")
    environment = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_ANALYTICS_SINK": "false",
        "PORTCULLIS_ANALYTICS_MIRROR_RATES_PATH": str(tmp_path / "rates.csv"),
    }
    try:
        analytics = services.make("analytics", environment).start()
        url = analytics.url
        bad = tmp_path / "bad.csv"
        lines = sample.comtrade_csv.splitlines()
        bad.write_text("\n".join([*lines[:4], lines[4].replace(",X,Export,", ",Q1,Export,"), *lines[5:]]) + "\n")

        refused = await asyncio.to_thread(
            _portcullis, "mirror", "import", "--format", "comtrade", str(bad), "--url", url,
            "--api-key", keys[Role.ANALYST],
        )  # fmt: skip
        assert refused.returncode == 1
        assert "refused, nothing loaded" in refused.stderr
        assert "line 5, flow: 'Q1' is not a trade flow code" in refused.stderr

        comtrade = tmp_path / "comtrade.csv"
        as_reader = await asyncio.to_thread(
            _portcullis, "mirror", "import", str(comtrade), "--url", url, "--api-key", keys[Role.READER]
        )
        assert as_reader.returncode == 1
        assert "mirror import refused (403)" in as_reader.stderr

        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            reader = {"Authorization": f"Bearer {keys[Role.READER]}"}
            empty = (await client.get("/v1/reports/mirror", params=QUARTER, headers=reader)).json()
            assert empty["rows_total"] == 0  # the refused file loaded nothing
            assert empty["months_covered"] == []

            records = len(lines) - 1
            done = await asyncio.to_thread(
                _portcullis, "mirror", "import", "--format", "comtrade", str(comtrade), "--url", url,
                "--api-key", keys[Role.ANALYST],
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert f"comtrade: {records} records; added {records}, changed 0, unchanged 0" in done.stdout
            assert "; gap table 202004-202103-" in done.stdout  # published to scoring (test_mirror_rule.py)
            again = await asyncio.to_thread(
                _portcullis, "mirror", "import", str(comtrade), "--url", url, "--api-key", keys[Role.ANALYST]
            )
            assert f"added 0, changed 0, unchanged {records}; {records} stored" in again.stdout

            report = (await client.get("/v1/reports/mirror", params=QUARTER, headers=reader)).json()
            top = {(row["hs6"], row["origin"]) for row in report["rows"][:10]}
            assert set(sample.planted) <= top
            assert report["rows"][0]["top_importers"]
            unknown_key = {"Authorization": "Bearer pck_0123456789ab_forged"}
            assert (await client.get("/v1/reports/mirror", params=QUARTER, headers=unknown_key)).status_code == 401
            posted = await client.post("/v1/mirror/comtrade", content=comtrade.read_bytes(), headers=reader)
            assert posted.status_code == 403

        out = tmp_path / "reports"
        written = await asyncio.to_thread(
            _portcullis, "report", "mirror", "--from", QUARTER["from"], "--to", QUARTER["to"], "--out", str(out),
            "--url", url, "--api-key", keys[Role.READER],
        )  # fmt: skip
        assert written.returncode == 0, written.stderr
        stem = out / "mirror-pair-2021-01-01-2021-03-31"
        assert orjson.loads(stem.with_suffix(".json").read_bytes())["rows"][0]["hs6"] == report["rows"][0]["hs6"]
        assert stem.with_suffix(".csv").read_text().startswith("from,to,group_by,rank,hs6,origin")
        assert stem.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    finally:
        services.stop_all()
