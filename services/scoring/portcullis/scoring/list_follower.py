"""Scoring's rules and watchlists: the compacted `watchlist` topic applied to a ListState, from the start, then live."""

import asyncio

from portcullis.scoring.lists import ListState
from portcullis.shared.kafka import CompactedTopicFollower, Record
from portcullis.shared.settings import KafkaSettings


def list_follower(settings: KafkaSettings, state: ListState) -> CompactedTopicFollower:
    """A follower that applies watchlist records to `state`; scoring waits for its `caught_up` before scoring."""

    async def apply(records: list[Record], live: bool) -> None:
        # Under the state's lock, so a batch being scored sees one consistent version of rules and lists.
        async with state.lock:
            await asyncio.to_thread(state.apply, records, live)

    return CompactedTopicFollower(settings, "watchlist", apply)
