"""The saved rules, as scoring gets them: the compacted `watchlist` topic, read from the start, then live.

Only the rules are kept (entries are skipped by their key before they are parsed); a rule that cannot be read or
compiled removes its earlier version, as in scoring.
"""

from collections.abc import Sequence

from pydantic import ValidationError

from portcullis.shared.kafka import CompactedTopicFollower, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.rules import CompiledRule, RuleValidationError, compile_rule
from portcullis.shared.schemas.watchlist import RuleDocument, decode_document
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)


class RuleBook:
    """Every saved rule in force (not deleted), compiled, by id."""

    def __init__(self) -> None:
        self.rules: dict[str, CompiledRule] = {}

    def apply(self, records: Sequence[Record]) -> None:
        """Apply topic records in order (rule documents, deletions, tombstones); entries are skipped."""
        for record in records:
            key = record.key.decode(errors="replace") if record.key else ""
            kind, _, rule_id = key.partition(":")
            if kind != "rule":
                continue
            self.rules.pop(rule_id, None)
            if record.value is None:
                continue
            try:
                document = decode_document(record.value)
            except ValidationError:
                log.warning("backtest_rule_unreadable", offset=record.offset)
                continue
            if not isinstance(document, RuleDocument) or document.deleted:
                continue
            try:
                self.rules[document.id] = compile_rule(document.id, document.version, document.rule)
            except RuleValidationError:
                log.warning("backtest_rule_not_compiled", rule_id=document.id, offset=record.offset)


def rule_follower(settings: KafkaSettings, book: RuleBook) -> CompactedTopicFollower:
    """A follower that keeps `book` up to date with the `watchlist` topic."""

    async def apply(records: list[Record], live: bool) -> None:
        book.apply(records)

    return CompactedTopicFollower(settings, "watchlist", apply)
