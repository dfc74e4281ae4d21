"""`portcullis replay clearance-events`: timelines of replayed declarations, in the lanes the gateway holds, posted
through ingest with keys on, keyed by declaration id, and the truth written."""

import asyncio
import csv
import random
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.settings import KafkaSettings
from tests.conftest import REPO
from tests.integration.conftest import publish_decisions, read_topic
from tests.integration.test_gateway_decisions import make_decision, wait_stored

pytestmark = pytest.mark.integration

LANES = ["green", "yellow", "red"]


async def test_the_replay_sends_each_decided_declarations_timeline_in_its_lane(
    gateway_set: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    submitter, submitter_record = new_key("test-submitter", Role.SUBMITTER)
    reader, reader_record = new_key("test-reader", Role.READER)
    await publish_key(kafka, submitter_record)
    await publish_key(kafka, reader_record)
    suffix = f"-{uuid.uuid4().hex[:6]}"
    items = read_items_csv(REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv").items
    ids = [declaration.declaration_id for _, declaration in zip(range(30), items_to_declarations(items), strict=False)]
    decided = {f"{declaration_id}{suffix}": LANES[index % 3] for index, declaration_id in enumerate(ids[:24])}
    decisions = []
    for index, (subject_id, lane) in enumerate(decided.items()):
        decisions.append(make_decision(index, random.Random(index)) | {"subject_id": subject_id, "lane": lane})
    await publish_decisions(kafka, decisions)
    keys_on = {"PORTCULLIS_AUTH_REQUIRED": "true"}
    gateway = gateway_set.start("gateway", keys_on)
    ingest = gateway_set.start("ingest", keys_on)
    http.headers.update({"Authorization": f"Bearer {reader}"})
    await wait_stored(http, gateway.url, 24)

    truth = tmp_path / "truth.csv"
    portcullis = str(Path(sys.executable).parent / "portcullis")
    command = [portcullis, "replay", "clearance-events", "--url", ingest.url, "--gateway-url", gateway.url]
    options = ["--limit", "30", "--id-suffix", suffix, "--truth", str(truth), "--rate", "0", "--seed", "4"]
    keys = ["--api-key", submitter, "--reader-key", reader]
    process = await asyncio.create_subprocess_exec(*command, *options, *keys, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    assert process.returncode == 0, output
    assert b"for 24 declarations (6 without a lane skipped)" in output
    assert b", failed 0" in output

    records = await read_topic(kafka, kafka.topic("clearance-events"))
    timelines: dict[str, list[dict[str, object]]] = defaultdict(list)
    for record in records:
        event = orjson.loads(record.value)  # type: ignore[attr-defined]
        assert record.key.decode() == event["declaration_id"]  # type: ignore[attr-defined]
        timelines[event["declaration_id"]].append(event)
    assert set(timelines) == set(decided)
    assert f"accepted {len(records)}, failed 0".encode() in output
    for declaration_id, events in timelines.items():
        kinds = [event["event_type"] for event in events]
        assert (kinds[0], kinds[-1]) == ("arrival", "released")
        assert ("inspection_started" in kinds) == (decided[declaration_id] == "red")
        assert ("documents_requested" in kinds) == (decided[declaration_id] == "yellow")
        assert all(str(event["event_id"]).endswith(suffix) for event in events)
    with truth.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {row["declaration_id"] for row in rows} == set(decided)
    assert {row["lane"] for row in rows if row["stage"] == "inspection"} == {"red"}
