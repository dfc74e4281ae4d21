"""Watchlists and rules as scoring holds them: rebuilt from the compacted topic, then followed live.

Three views, each cheap to query per batch: the name index (persons, organisations, vessels, containers),
exact trader-id sets per role, and the compiled rules. Versions are topic offsets of the last change applied.
"""

import asyncio
import time
from collections.abc import Sequence

from pydantic import ValidationError

from portcullis.scoring.dismissals import Dismissals
from portcullis.scoring.metrics import LIST_APPLY_LAG, LIST_DOCUMENTS_REJECTED, LIST_MESSAGES, LIST_SIZE
from portcullis.shared.kafka import Record
from portcullis.shared.logging import get_logger
from portcullis.shared.rules import CompiledRule, RuleValidationError, compile_rule
from portcullis.shared.schemas.watchlist import (
    EntryDocument,
    RuleDocument,
    TraderEntry,
    TraderRole,
    decode_document,
    to_screening_entry,
)
from portcullis.shared.screening import WatchlistEntry, WatchlistIndex

log = get_logger(__name__)

NO_VERSION = "none"


class ListState:
    """The current watchlists and rules; `lock` serialises changes with the batches that read them."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.index = WatchlistIndex()
        self._entries: dict[str, EntryDocument] = {}
        self._traders: dict[TraderRole, dict[str, dict[str, EntryDocument]]] = {role: {} for role in TraderRole}
        self._rules: dict[str, CompiledRule] = {}
        self.rules: tuple[CompiledRule, ...] = ()
        #: Possible matches analysts dismissed (the `reviews` topic; see review.py), read under the same lock.
        self.dismissals = Dismissals()
        self._entries_offset: int | None = None
        self._rules_offset: int | None = None

    @property
    def rules_version(self) -> str:
        """The topic offset of the last rule change applied (`offset-N`), or `none`."""
        return NO_VERSION if self._rules_offset is None else f"offset-{self._rules_offset}"

    @property
    def watchlist_version(self) -> str:
        """The topic offset of the last watchlist entry change applied (`offset-N`), or `none`."""
        return NO_VERSION if self._entries_offset is None else f"offset-{self._entries_offset}"

    @property
    def entry_count(self) -> int:
        """Live watchlist entries."""
        return len(self._entries)

    def entry(self, entry_id: str) -> EntryDocument | None:
        """The live watchlist entry with this id (its action and validity window), if any."""
        return self._entries.get(entry_id)

    def traders(self, role: TraderRole, trader_id: str) -> Sequence[EntryDocument]:
        """The live entries listing this trader id for this role."""
        found = self._traders[role].get(trader_id)
        return tuple(found.values()) if found else ()

    def apply(self, records: Sequence[Record], live: bool = True) -> None:
        """Apply topic records in order (documents, deletions, tombstones).

        A document that cannot be applied (malformed, or a rule this replica cannot compile) removes the earlier
        version of its entry or rule, named by the record's key: failing closed, so a stale rule never outlives
        a change that was meant to replace or delete it. It is counted and logged as an error.
        `live` is false while catching up at start, when the records' age says nothing about propagation.
        """
        additions: dict[str, WatchlistEntry] = {}
        rules_changed = False
        now = time.time()
        for record in records:
            key = record.key.decode(errors="replace") if record.key else ""
            kind, _, document_id = key.partition(":")
            document: EntryDocument | RuleDocument | None = None
            counted_as = kind
            if record.value is not None:
                try:
                    document = decode_document(record.value)
                except ValidationError as error:
                    # Applied below as a removal of the earlier version, when the key names one.
                    _rejected(kind, document_id, record.offset, f"{error.error_count()} validation errors")
                    counted_as = "rejected"
                else:
                    kind = counted_as = document.type
                    document_id = document.id
            if kind == "rule":
                rules_changed = True
                self._apply_rule(document_id, document, record.offset)  # type: ignore[arg-type]
            elif kind == "entry":
                self._apply_entry(document_id, document, record.offset, additions)  # type: ignore[arg-type]
            else:
                LIST_MESSAGES.labels("rejected").inc()
                log.warning("watchlist_key_unknown", offset=record.offset)
                continue
            LIST_MESSAGES.labels(counted_as).inc()
            if live:
                LIST_APPLY_LAG.observe(max(0.0, now - record.timestamp / 1000))
        if additions:
            self.index.extend(additions.values())
        if rules_changed:
            self.rules = tuple(self._rules[rule_id] for rule_id in sorted(self._rules))
        LIST_SIZE.labels("entry").set(len(self._entries))
        LIST_SIZE.labels("rule").set(len(self.rules))

    def _apply_rule(self, rule_id: str, document: RuleDocument | None, offset: int) -> None:
        self._rules_offset = offset
        if document is None or document.deleted:
            self._rules.pop(rule_id, None)
            return
        try:
            self._rules[rule_id] = compile_rule(rule_id, document.version, document.rule)
        except RuleValidationError as error:
            # The watchlist service validates before saving; a rule this replica cannot run is dropped, loudly.
            self._rules.pop(rule_id, None)
            _rejected("rule", rule_id, offset, str(error))

    def _apply_entry(
        self, entry_id: str, document: EntryDocument | None, offset: int, additions: dict[str, WatchlistEntry]
    ) -> None:
        self._entries_offset = offset
        previous = self._entries.pop(entry_id, None)
        if previous is not None and isinstance(previous.entry, TraderEntry):
            listed = self._traders[previous.entry.role].get(previous.entry.trader_id, {})
            listed.pop(entry_id, None)
            if not listed:
                self._traders[previous.entry.role].pop(previous.entry.trader_id, None)
        additions.pop(entry_id, None)
        if entry_id in self.index:
            self.index.remove(entry_id)
        if document is None or document.deleted:
            return
        self._entries[entry_id] = document
        spec = document.entry
        if isinstance(spec, TraderEntry):
            self._traders[spec.role].setdefault(spec.trader_id, {})[entry_id] = document
            return
        screening_entry = to_screening_entry(document)
        if screening_entry is not None:
            additions[entry_id] = screening_entry


def _rejected(kind: str, document_id: str, offset: int, problem: str) -> None:
    """Count and log a document that could not be applied (ids and problems only: no listed names)."""
    LIST_DOCUMENTS_REJECTED.labels(kind if kind in {"rule", "entry"} else "unknown").inc()
    log.error("watchlist_document_rejected", kind=kind, document_id=document_id[:100], offset=offset, problem=problem)
