"""The re-screener: a consumer of the `watchlist` topic (its own group) that screens the stored history against each
entry added or changed, and raises an alert for each new hit.

Per batch: the last document of each entry; those not re-screened yet at that version (and screening something
else than the version done) are screened together, in one pass over the store in a worker thread; new alerts are
published and acknowledged; the done versions are saved; then the consumer commits. An entry whose screening fails
makes the batch fail: the consumer retries it, then splits it down to that entry's record and dead-letters it.
Rules, deletions, trader ids (exact ids, checked by scoring's selectivity) and entries no longer in force are passed
over.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Histogram
from pydantic import ValidationError

from portcullis.analytics.rescreen.alerts import AlertBook
from portcullis.analytics.rescreen.history import HistoryReader
from portcullis.analytics.rescreen.screen import Hit, Limits, rescreen
from portcullis.analytics.rescreen.versions import ProcessedVersions, fingerprint
from portcullis.analytics.store.files import StoreLayout
from portcullis.shared.kafka import DeadLetter, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.alert import Alert, AlertedEntry, AlertedRecord, alert_id
from portcullis.shared.schemas.watchlist import EntryDocument, decode_document, to_screening_entry
from portcullis.shared.screening import WatchlistEntry

log = get_logger(__name__)

#: When scoring decided on each hit subject, by stream.
Decided = dict[Stream, dict[str, datetime]]

VERSIONS = Counter(
    "portcullis_rescreen_versions_total",
    "Watchlist entry versions read: re-screened, already done (or screening the same), taken as done on the first "
    "start (baseline), passed over",
    ["outcome"],
)
ALERTS_RAISED = Counter("portcullis_rescreen_alerts_total", "Alerts raised by re-screening", ["stream"])
RESCREEN_SECONDS = Histogram(
    "portcullis_rescreen_seconds",
    "Time to re-screen the history against a batch's new entry versions (one pass over the store)",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)


class Rescreener:
    """The watchlist consumer's batch handler."""

    def __init__(
        self,
        layout: StoreLayout,
        book: AlertBook,
        versions: ProcessedVersions,
        limits: Limits,
        days: int,
        baseline_before: datetime | None = None,
    ) -> None:
        #: On the very first start (no versions file), entries published before it were in force when the stored
        #: records were scored: they are taken as done, not re-screened (a whole list, thousands of entries).
        self._baseline_before_ms = int(baseline_before.timestamp() * 1000) if baseline_before else None
        self._layout = layout
        self._book = book
        self._versions = versions
        self._limits = limits
        self._days = days

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Re-screen the batch's new entry versions; dead-letter documents that are not watchlist documents."""
        dead: list[DeadLetter] = []
        latest: dict[str, tuple[EntryDocument, int]] = {}
        for record in records:
            key = (record.key or b"").decode(errors="replace")
            if not key.startswith("entry:"):
                continue
            if record.value is None:  # a tombstone: a removed entry raises nothing
                latest.pop(key, None)
                continue
            try:
                document = decode_document(record.value)
            except ValidationError as error:
                dead.append(DeadLetter(record, f"not a watchlist document: {error.error_count()} validation errors"))
                continue
            if isinstance(document, EntryDocument):
                latest[key] = (document, record.timestamp)
        now = datetime.now(UTC)
        new: list[tuple[EntryDocument, WatchlistEntry, str]] = []
        for document, published_ms in latest.values():
            entry = to_screening_entry(document)
            if entry is None or document.deleted or (document.entry.valid_to and document.entry.valid_to <= now):
                VERSIONS.labels("passed_over").inc()
                continue
            entry_fingerprint = fingerprint(entry)
            if self._baseline_before_ms is not None and published_ms < self._baseline_before_ms:
                self._versions.record(document.id, document.version, entry_fingerprint)
                VERSIONS.labels("baseline").inc()
                continue
            if not self._versions.is_new(document.id, document.version, entry_fingerprint):
                self._versions.record(document.id, document.version, entry_fingerprint)
                VERSIONS.labels("already_done").inc()
                continue
            new.append((document, entry, entry_fingerprint))
        if new:
            # The batch's entries together, in one pass over the store: a list refresh brings thousands at once.
            hits, decided = await self.screen([entry for _, entry, _ in new], now)
            by_entry: dict[str, list[Hit]] = {}
            for hit in hits:
                by_entry.setdefault(hit.entry_id, []).append(hit)
            for document, entry, entry_fingerprint in new:
                await self._raise(document, entry, by_entry.get(entry.entry_id, []), decided, now)
                self._versions.record(document.id, document.version, entry_fingerprint)
        if new or latest:
            await asyncio.to_thread(self._versions.save)
        return dead

    async def screen(self, entries: list[WatchlistEntry], now: datetime) -> tuple[list[Hit], Decided]:
        """The stored records of the last days that the entries match, and when scoring decided on them."""
        started = time.perf_counter()
        since = now - timedelta(days=self._days)
        hits, decided = await asyncio.to_thread(self._screen, entries, since)
        elapsed = time.perf_counter() - started
        VERSIONS.labels("rescreened").inc(len(entries))
        RESCREEN_SECONDS.observe(elapsed)
        log.info("rescreened", entries=len(entries), hits=len(hits), seconds=round(elapsed, 2), days=self._days)
        return hits, decided

    def _screen(self, entries: list[WatchlistEntry], since: datetime) -> tuple[list[Hit], Decided]:
        reader = HistoryReader(self._layout)
        try:
            hits = rescreen(reader, entries, self._limits, since)
            decided = {
                stream: reader.decided_at(stream.value, list({h.subject_id for h in hits if h.stream is stream}))
                for stream in {hit.stream for hit in hits}
            }
        finally:
            reader.close()
        return hits, decided

    async def _raise(
        self, document: EntryDocument, entry: WatchlistEntry, hits: list[Hit], decided: Decided, now: datetime
    ) -> None:
        alerts = []
        for hit in hits:
            identifier = alert_id(hit.stream, hit.subject_id, document.id, document.version)
            if self._book.knows(identifier):
                continue
            record = AlertedRecord(
                stream=hit.stream,
                subject_id=hit.subject_id,
                received_at=hit.received_at,
                scored_at=decided.get(hit.stream, {}).get(hit.subject_id),
            )
            listed = AlertedEntry(
                entry_id=document.id, version=document.version, list_name=entry.list_name, kind=entry.kind
            )
            alerts.append(
                Alert(
                    alert_id=identifier,
                    record=record,
                    entry=listed,
                    score=round(min(1.0, hit.score), 4),
                    strong=hit.strong,
                    reason=hit.reason,
                    raised_at=now,
                )
            )
        for start in range(0, len(alerts), 1000):
            await self._book.publish(alerts[start : start + 1000])
        for alert in alerts:
            ALERTS_RAISED.labels(alert.record.stream.value).inc()
        if alerts:
            log.info("alerts_raised", entry_id=document.id, version=document.version, alerts=len(alerts))
