"""The watchlist topic lost (the broker's data gone, or the topic deleted and created again) while the watchlist
database keeps its lists: the watchlist service publishes them again when it starts, so scoring, which follows the
topic, screens against them again. Before, a re-import said "unchanged" and scoring screened against nothing."""

import asyncio
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from portcullis.cli.processes import ServiceSet
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for
from tests.integration.test_watchlist_api import PERSON, USER

pytestmark = pytest.mark.integration


async def _recreate(kafka: KafkaSettings, topic: str) -> None:
    """Delete the topic and create it again, empty, with its settings (deletion completes in the background)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    for _ in range(60):
        try:
            if topic in await ensure_topics(kafka):
                return
        except KafkaError:  # still marked for deletion
            pass
        await asyncio.sleep(0.5)
    raise AssertionError(f"{topic} was not created again")


async def test_a_lost_watchlist_topic_is_published_again_when_the_service_starts(
    tmp_path: Path, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    topic = kafka.topic("watchlist")
    database = {"PORTCULLIS_WATCHLIST_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'watchlist.db'}"}
    services = ServiceSet(tmp_path, kafka, tmp_path / "no-models")
    try:
        watchlist = services.start("watchlist", database)
        created = await http.post(f"{watchlist.url}/v1/watchlist/entries", json=PERSON, headers=USER)
        assert created.status_code == 201, created.text
        key = f"entry:{created.json()['id']}".encode()

        async def published() -> bool:
            return any(record.key == key for record in await read_topic(kafka, topic))

        await wait_for(published, 30, 0.5)
        watchlist.stop()

        await _recreate(kafka, topic)
        assert await read_topic(kafka, topic) == []  # the topic lost; the database still has the entry

        services.start("watchlist", database)
        await wait_for(published, 60, 0.5)
    finally:
        services.stop_all()
