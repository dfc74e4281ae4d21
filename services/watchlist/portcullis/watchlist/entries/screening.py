"""The in-memory screening index of the watchlist service, kept in step with the database."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.watchlist import EntryDocument, to_screening_entry
from portcullis.shared.screening import Match, ScreeningQuery, WatchlistIndex
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.entries.service import ENTRIES

log = get_logger(__name__)


@dataclass(frozen=True)
class ScreeningHit:
    """A match with the stored entry it came from."""

    match: Match
    document: EntryDocument


class ScreeningIndex:
    """A WatchlistIndex over the live entries; updates and screens are serialised by one lock."""

    def __init__(self) -> None:
        self._index = WatchlistIndex()
        self._documents: dict[str, EntryDocument] = {}
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._documents)

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Fill the index with every live entry in the database."""
        async with sessions() as session:
            rows = (await session.scalars(select(EntryRow).where(EntryRow.deleted_at.is_(None)))).all()
            documents = [ENTRIES.document(row) for row in rows]
        await self.apply(documents)
        log.info("screening_index_loaded", entries=len(self._documents))

    async def apply(self, documents: Sequence[EntryDocument]) -> None:
        """Add, replace or remove entries after their change was committed."""
        async with self._lock:
            await asyncio.to_thread(self._apply, documents)

    def _apply(self, documents: Sequence[EntryDocument]) -> None:
        additions = []
        for document in documents:
            entry = None if document.deleted else to_screening_entry(document)
            if entry is None:
                if self._documents.pop(document.id, None) is not None:
                    self._index.remove(document.id)
                continue
            self._documents[document.id] = document
            additions.append(entry)
        if additions:
            self._index.extend(additions)

    async def screen(self, query: ScreeningQuery, at: datetime, limit: int, threshold: float) -> list[ScreeningHit]:
        """Matches of entries in force at `at`, best first."""
        async with self._lock:
            matches = self._index.screen(query, limit=limit * 2, threshold=threshold)
        hits = []
        for match in matches:
            document = self._documents.get(match.entry.entry_id)
            if document is not None and document.entry.in_force(at):
                hits.append(ScreeningHit(match, document))
        return hits[:limit]
