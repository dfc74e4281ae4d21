"""Publication of committed changes to the compacted topic, after the commit; lagging rows are republished.

Every entry and rule row carries `version` and `published_version`. A change commits first, then its rows
are published from their current state and marked published. If the broker is down, the rows stay behind
and the relay republishes them (at start and every few seconds), so nothing accepted is lost.
"""

import asyncio
from collections.abc import Sequence
from typing import cast

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.shared.kafka import TOPICS, Message, Publisher, PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.settings import KafkaSettings
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.rules.models import RuleRow

log = get_logger(__name__)

_CHUNK = 2000
_ROW_TYPES: dict[str, type[EntryRow] | type[RuleRow]] = {"entry": EntryRow, "rule": RuleRow}


class Outbox:
    """Publishes rows whose `published_version` lags their `version`; one publication at a time, in order."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], publisher: Publisher, topic: str) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._topic = topic
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    async def publish(self, kind: str, ids: Sequence[str] | None = None) -> int:
        """Publish the lagging rows of one kind (`entry` or `rule`), all or only `ids`; how many were published."""
        row_type = _ROW_TYPES[kind]
        published = 0
        # The lock keeps messages of one key in version order: each publication reads the rows' current state.
        async with self._lock, self._sessions() as session:
            chunks: list[Sequence[str] | None] = (
                [None] if ids is None else [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
            )
            for chunk in chunks:
                query = select(row_type).where(row_type.published_version < row_type.version).order_by(row_type.id)
                if chunk is not None:
                    query = query.where(row_type.id.in_(chunk))
                rows: list[EntryRow | RuleRow] = list((await session.scalars(query)).all())  # type: ignore[arg-type]
                for start in range(0, len(rows), _CHUNK):
                    published += await self._publish_rows(session, row_type, rows[start : start + _CHUNK])
        if published:
            log.info("published", kind=kind, messages=published)
        return published

    async def _publish_rows(
        self, session: AsyncSession, row_type: type[EntryRow] | type[RuleRow], rows: Sequence[EntryRow | RuleRow]
    ) -> int:
        if not rows:
            return 0
        kind = row_type.document_name
        messages = [
            Message(self._topic, f"{kind}:{row.id}".encode(), orjson.dumps(row.document_dict())) for row in rows
        ]
        await self._publisher.publish(messages)
        table = cast(Table, row_type.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.published_version < bindparam("row_version"))
            .values(published_version=bindparam("row_version"))
        )
        await session.execute(statement, [{"row_id": row.id, "row_version": row.version} for row in rows])
        await session.commit()
        return len(rows)

    async def publish_after_commit(self, kind: str, ids: Sequence[str]) -> bool:
        """Publish just-committed changes; on a broker outage leave them to the relay; whether it went out."""
        try:
            await self.publish(kind, ids)
        except PublishError as error:
            log.warning("publication_deferred", kind=kind, rows=len(ids), error=str(error))
            self._wake.set()
            return False
        return True

    async def publish_all_pending(self) -> int:
        """Publish every lagging row of both kinds (at start, and after an outage)."""
        return await self.publish("entry") + await self.publish("rule")

    async def republish_if_topic_lost(self, kafka: KafkaSettings) -> int:
        """Mark every published row unpublished when the topic has never held a message although rows were published
        to it (the broker lost its data, or the topic was deleted and created again): the relay then publishes the
        current state, and scoring, which follows the topic, gets its lists back. How many rows were marked.

        A topic's offsets never go back, so a topic at offset 0 everywhere is a topic nothing was ever written to.
        """
        consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None, enable_auto_commit=False)
        await consumer.start()
        try:
            if self._topic not in await consumer.topics():
                return 0  # not created yet: whatever lags is published once it is
            partitions = [TopicPartition(self._topic, p) for p in range(TOPICS["watchlist"].partitions)]
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        if any(ends.values()):
            return 0
        marked = 0
        async with self._lock, self._sessions() as session:
            for row_type in _ROW_TYPES.values():
                table = cast(Table, row_type.__table__)
                result = await session.execute(
                    update(table).where(table.c.published_version > 0).values(published_version=0)
                )
                marked += result.rowcount or 0  # type: ignore[attr-defined]
            await session.commit()
        if marked:
            log.warning("topic_lost_republishing", topic=self._topic, rows=marked)
        return marked

    async def relay(self, interval_s: float) -> None:
        """Republish lagging rows until cancelled: at once, then every `interval_s` or when a publication failed."""
        while True:
            try:
                await self.publish_all_pending()
            except PublishError as error:
                log.warning("relay_publication_failed", error=str(error))
            except Exception as error:  # the database may be down too; try again later
                log.exception("relay_failed", error=type(error).__name__)
            try:
                await asyncio.wait_for(self._wake.wait(), interval_s)
            except TimeoutError:
                pass
            self._wake.clear()
