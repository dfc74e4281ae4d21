"""Scoring's follower of the watchlist topic: ready only once the topic is read to its end, then live."""

import asyncio
import time
from datetime import UTC, datetime

import pytest

from portcullis.scoring.list_follower import list_follower
from portcullis.scoring.lists import ListState
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.schemas.watchlist import EntryDocument, TraderRole, encode_document, topic_key
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def trader(number: int, version: int = 1, deleted: bool = False) -> EntryDocument:
    return EntryDocument.model_validate(
        {
            "id": f"wl-{number}",
            "version": version,
            "deleted": deleted,
            "changed_by": "test",
            "changed_at": datetime.now(UTC),
            "entry": {
                "kind": "trader",
                "role": "importer",
                "trader_id": f"IMP{number}",
                "list_name": "L",
                "reason": "r",
            },
        }
    )


def message(kafka: KafkaSettings, document: EntryDocument) -> Message:
    return Message(kafka.topic("watchlist"), topic_key(document), encode_document(document))


async def test_the_follower_is_ready_only_with_the_whole_topic_applied_and_then_follows_live(
    kafka: KafkaSettings,
) -> None:
    publisher = Publisher(kafka)
    await publisher.start()
    state = ListState()
    follower = list_follower(kafka, state)
    try:
        await publisher.publish([message(kafka, trader(n)) for n in range(5000)])
        await publisher.publish([message(kafka, trader(n, version=2, deleted=True)) for n in range(0, 5000, 2)])
        follower.start()
        await asyncio.wait_for(follower.caught_up.wait(), 30)
        assert state.entry_count == 2500  # every message applied before ready, deletions included
        assert state.watchlist_version == "offset-7499"
        assert state.traders(TraderRole.IMPORTER, "IMP0") == ()
        assert [d.id for d in state.traders(TraderRole.IMPORTER, "IMP1")] == ["wl-1"]

        await publisher.publish([message(kafka, trader(6000))])
        started = time.monotonic()

        async def applied() -> bool:
            return bool(state.traders(TraderRole.IMPORTER, "IMP6000"))

        # Live, not at the next start: the follower keeps reading after it caught up. How fast is the apply lag
        # histogram's (`portcullis_watchlist_apply_lag_seconds`) and the benchmarks' to say: a one-second deadline
        # here measured the machine's load as much as the follower.
        await wait_for(applied, timeout_s=30, interval_s=0.01)
        print(f"live change applied in {(time.monotonic() - started) * 1000:.0f} ms")
        assert state.watchlist_version == "offset-7500"
    finally:
        await follower.close()
        await publisher.close()
