"""What every outbox of the gateway shares: draining what Kafka has not acknowledged yet, and the retry loop."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from portcullis.shared.logging import get_logger

log = get_logger(__name__)

Row = TypeVar("Row")


async def retry_periodically(
    what: str, publish_pending: Callable[[], Awaitable[int]], stopping: asyncio.Event, interval_s: float
) -> None:
    """Call `publish_pending` (it returns how many remain) at start and then every `interval_s` until stopped."""
    while not stopping.is_set():
        try:
            remaining = await publish_pending()
            if remaining:
                log.warning("outbox_pending", outbox=what, pending=remaining)
        except Exception as error:  # the database may be down for a while: keep retrying
            log.warning("outbox_retry_failed", outbox=what, error=type(error).__name__)
        try:
            await asyncio.wait_for(stopping.wait(), interval_s)
        except TimeoutError:
            pass


async def drain_pending(
    what: str,
    load_batch: Callable[[int], Awaitable[list[Row]]],
    publish: Callable[[list[Row]], Awaitable[bool]],
    count_remaining: Callable[[], Awaitable[int]],
    batch: int,
) -> int:
    """Publish stored rows Kafka has not acknowledged yet, a batch at a time in order, until none is left or a
    publish fails; return how many remain unpublished. `load_batch(limit)` reads the oldest unpublished rows old
    enough not to be in their request's own publish still."""
    while True:
        pending = await load_batch(batch)
        if not pending or not await publish(pending):
            break
        log.info("outbox_republished", outbox=what, rows=len(pending))
        if len(pending) < batch:
            break
    return await count_remaining()
