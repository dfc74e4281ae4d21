"""What every outbox of the gateway shares: the retry loop that publishes what Kafka has not acknowledged yet."""

import asyncio
from collections.abc import Awaitable, Callable

from portcullis.shared.logging import get_logger

log = get_logger(__name__)


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
