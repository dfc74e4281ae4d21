"""Re-screening on list change, on the real broker with keys on: a month of stored passengers, then a person is
listed; an alert for each planted traveller within 60 s and none for the others; an unchanged re-publish raises
nothing, a changed entry re-screens; a restart with its offsets lost re-screens nothing it did; readers cannot
acknowledge, an inspector can (once), and the acknowledgement reaches the event stream."""

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.schemas.watchlist import EntryDocument, PersonEntry, encode_document, topic_key
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import generate_passengers
from tests.integration.conftest import wait_for
from tests.unit.analytics.history_records import FakeRecord

pytestmark = pytest.mark.integration

TRAVELLERS = 3000
ENTRY_ID = "test-sdn:bout"
LISTED = WatchlistEntry(
    entry_id=ENTRY_ID,
    list_name="TEST SDN",
    kind="person",
    name="Viktor Anatolyevich BOUT",
    aliases=("Victor BUT", "Viktor BULAKIN"),
    reason="arms trafficking",
    birth_dates=(date(1967, 1, 13),),
    nationalities=("RU",),
)


def _document(version: int, reason: str = "arms trafficking") -> EntryDocument:
    person = PersonEntry(
        kind="person",
        list_name=LISTED.list_name,
        name=LISTED.name,
        aliases=list(LISTED.aliases),
        birth_dates=list(LISTED.birth_dates),
        nationalities=list(LISTED.nationalities),
        reason=reason,
    )
    return EntryDocument(id=ENTRY_ID, version=version, changed_by="test", changed_at=datetime.now(UTC), entry=person)


def _store_month_of_passengers(folder: Path, kafka: KafkaSettings) -> set[str]:
    """Write a month of generated passengers to the store as the sink does; return the planted travellers' ids."""
    now = datetime.now(UTC)
    start = now - timedelta(days=29)
    generated = generate_passengers(TRAVELLERS, seed=11, planted_share=0.02, watchlist=[LISTED], start=start, days=28)
    step_ms = 28 * 86_400_000 // TRAVELLERS
    records = [
        FakeRecord(
            kafka.topic("passengers"),
            0,
            offset,
            int(start.timestamp() * 1000) + offset * step_ms,
            item.record_id.encode(),
            orjson.dumps(item.model_dump(mode="json")),
        )
        for offset, item in enumerate(generated.items)
    ]
    layout = StoreLayout(folder / "history", folder / "history-personal")
    HistorySink(layout, kafka).write(records)  # type: ignore[arg-type]
    return {row.subject_id for row in generated.truth if row.watchlist_entry == ENTRY_ID}


async def _publish(kafka: KafkaSettings, document: EntryDocument) -> None:
    publisher = Publisher(kafka)
    try:
        await publisher.publish([Message(kafka.topic("watchlist"), topic_key(document), encode_document(document))])
    finally:
        await publisher.close()


async def _alerts(client: httpx.AsyncClient, key: str, **params: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        page_params = {**params, "limit": "50", **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/v1/alerts", params=page_params, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found.extend(page["alerts"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.timeout(300)
async def test_listing_a_person_alerts_for_each_planted_traveller_once(tmp_path: Path, kafka: KafkaSettings) -> None:
    planted = _store_month_of_passengers(tmp_path, kafka)
    assert len(planted) >= 10
    keys = {}
    for role in (Role.READER, Role.INSPECTOR):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    reader, inspector = keys[Role.READER], keys[Role.INSPECTOR]
    services = ServiceSet(tmp_path, kafka, tmp_path / "models")
    env = {
        "PORTCULLIS_AUTH_REQUIRED": "true",
        "PORTCULLIS_ANALYTICS_SINK": "false",
        "PORTCULLIS_ANALYTICS_RESCREEN_GROUP_ID": f"rescreen-{uuid.uuid4().hex[:8]}",
    }
    try:
        analytics = services.make("analytics", env).start()
        async with httpx.AsyncClient(base_url=analytics.url, timeout=30) as client:
            listed_at = datetime.now(UTC)
            await _publish(kafka, _document(1))

            async def all_alerted() -> list[dict[str, object]] | None:
                alerts = await _alerts(client, reader, stream="passenger")
                return alerts if len(alerts) >= len(planted) else None

            alerts = await wait_for(all_alerted, 60, 0.5)
            assert datetime.now(UTC) - listed_at < timedelta(seconds=60)
            assert {a["record"]["subject_id"] for a in alerts} == planted  # type: ignore[index]
            first = alerts[0]
            assert first["entry"] == {"entry_id": ENTRY_ID, "version": 1, "list_name": "TEST SDN", "kind": "person"}
            assert first["status"] == "open"
            assert 0.85 <= first["score"] <= 1  # type: ignore[operator]
            assert "Viktor Anatolyevich BOUT" in first["reason"]  # type: ignore[operator]

            # An unchanged re-publish (a new version screening the same) raises nothing; a changed entry re-screens.
            await _publish(kafka, _document(2))
            await _publish(kafka, _document(3, reason="arms trafficking; UN 1521"))

            async def changed_alerted() -> list[dict[str, object]] | None:
                alerts = await _alerts(client, reader)
                return alerts if len(alerts) >= 2 * len(planted) else None

            alerts = await wait_for(changed_alerted, 60, 0.5)
            versions = [a["entry"]["version"] for a in alerts]  # type: ignore[index]
            assert sorted(set(versions)) == [1, 3]
            assert len(alerts) == 2 * len(planted)

            # Readers cannot acknowledge; an inspector can, once; the acknowledgement is kept with the alert.
            alert_id = alerts[0]["alert_id"]
            path = f"/v1/alerts/{alert_id}/acknowledge"
            note = {"note": "questioned on arrival: not the listed person"}
            refused = await client.post(path, json=note, headers={"Authorization": f"Bearer {reader}"})
            assert refused.status_code == 403
            done = await client.post(path, json=note, headers={"Authorization": f"Bearer {inspector}"})
            assert done.status_code == 200, done.text
            assert done.json()["status"] == "acknowledged"
            again = await client.post(path, json=note, headers={"Authorization": f"Bearer {inspector}"})
            assert again.status_code == 409

            async def acknowledged() -> list[dict[str, object]] | None:
                return await _alerts(client, reader, status="acknowledged") or None

            [kept] = await wait_for(acknowledged, 10, 0.2)
            assert kept["alert_id"] == alert_id
            audit = kept["acknowledgement"]
            assert audit["note"] == note["note"]  # type: ignore[index]
            assert audit["role"] == "inspector"  # type: ignore[index]
            assert inspector.split("_")[1] == audit["by"]  # type: ignore[index]
            assert len(await _alerts(client, reader, status="open")) == 2 * len(planted) - 1

            # The event stream replays what a client missed: the acknowledgement comes last.
            headers = {"Authorization": f"Bearer {reader}", "Last-Event-ID": "0"}
            async with client.stream("GET", "/v1/alerts/stream", headers=headers) as stream:
                assert stream.status_code == 200
                events = []
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        events.append(orjson.loads(line.removeprefix("data: ")))
                        if len(events) == 2 * len(planted) - 1:  # every alert's latest state but the first
                            break
            assert events[-1]["alert_id"] == alert_id
            assert events[-1]["status"] == "acknowledged"
        analytics.stop()

        # Restarted with its consumer offsets lost, it reads the watchlist again and re-screens nothing it did.
        env["PORTCULLIS_ANALYTICS_RESCREEN_GROUP_ID"] = f"rescreen-{uuid.uuid4().hex[:8]}"
        analytics = services.make("analytics", env).start()
        async with httpx.AsyncClient(base_url=analytics.url, timeout=30) as client:

            async def read_again() -> str | None:
                metrics = (await client.get("/metrics")).text
                return metrics if 'portcullis_rescreen_versions_total{outcome="already_done"}' in metrics else None

            metrics = await wait_for(read_again, 30, 0.2)
            assert 'portcullis_rescreen_versions_total{outcome="rescreened"}' not in metrics
            assert len(await _alerts(client, reader)) == 2 * len(planted)
    finally:
        services.stop_all()
