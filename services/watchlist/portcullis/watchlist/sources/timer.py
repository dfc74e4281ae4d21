"""The scheduled refresh: every interval, each configured source is read from its URL or folder and applied."""

import asyncio
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.decision import Lane
from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.deps import UnitOfWork
from portcullis.watchlist.documents.service import get_documents
from portcullis.watchlist.entries.screening import ScreeningIndex
from portcullis.watchlist.entries.service import ENTRIES
from portcullis.watchlist.errors import InputError
from portcullis.watchlist.publishing import Outbox
from portcullis.watchlist.sources.catalogue import SOURCES
from portcullis.watchlist.sources.fetch import FetchError, fetch_files
from portcullis.watchlist.sources.service import refresh_source

log = get_logger(__name__)

#: Recorded as who changed the entries a scheduled refresh changes.
SCHEDULER = "scheduled-refresh"


class RefreshTimer:
    """Refreshes the configured sources at start and then every `interval_s` seconds, one after the other."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        screening: ScreeningIndex,
        origins: Mapping[str, str],
        max_bytes: int,
    ) -> None:
        unknown = sorted(set(origins) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown list sources to refresh: {', '.join(unknown)}; known: {', '.join(SOURCES)}")
        self._sessions = sessions
        self._outbox = outbox
        self._screening = screening
        self._origins = dict(origins)
        self._max_bytes = max_bytes

    async def refresh_all(self) -> None:
        """One round: every configured source; a source that fails is logged and retried next round."""
        for name, origin in self._origins.items():
            try:
                await self.refresh(name, origin)
            except (FetchError, InputError) as error:
                log.warning("scheduled_refresh_failed", source=name, error=str(error))
            except Exception as error:  # the database may be down: the next round tries again
                log.exception("scheduled_refresh_failed", source=name, error=type(error).__name__)

    async def refresh(self, name: str, origin: str) -> None:
        """Read one source's current version and apply it (committed, then published)."""
        source = SOURCES[name]
        files = await fetch_files(source, origin, self._max_bytes)
        async with self._sessions() as session:
            work = UnitOfWork(session, self._outbox, self._screening)
            result, outcome = await refresh_source(session, source, files, origin, Action(lane=Lane.RED), SCHEDULER)
            changed = await get_documents(session, ENTRIES, outcome.changed_ids)
            await work.commit(changed)
        log.info(
            "scheduled_refresh",
            source=name,
            version=result.version,
            added=result.added,
            changed=result.changed,
            removed=result.removed,
        )

    async def run(self, interval_s: float) -> None:
        """Refresh until cancelled."""
        while True:
            await self.refresh_all()
            await asyncio.sleep(interval_s)
