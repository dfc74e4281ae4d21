"""The mirror gap table as scoring holds it: the compacted `mirror-gaps` topic, from its start, then live.

Gap records are held by key until the record naming their version arrives; then that version's gaps become the
table, whole (a pair of an older version is dropped). Rules read the table through the `mirror_*` fields of
declarations (`portcullis.shared.rules.fields.MIRROR_FIELDS`): a pair without a gap reads null and no test holds.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from portcullis.shared.kafka import CompactedTopicFollower, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.rules import CompiledRule
from portcullis.shared.rules.fields import WithMirrorGaps, mirror_fields_tested
from portcullis.shared.schemas.mirror import VERSION_KEY, MirrorGap, MirrorGapVersion
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

NO_VERSION = "none"


class MirrorGapTable:
    """The current gap per (origin, HS6), and its version (`none` before the first table)."""

    def __init__(self) -> None:
        self.gaps: dict[tuple[str, str], MirrorGap] = {}
        self.version = NO_VERSION
        self._held: dict[bytes, MirrorGap] = {}

    def apply(self, records: Sequence[Record]) -> None:
        """Apply topic records in order: gaps are held until their version is named current."""
        for record in records:
            key = record.key or b""
            if record.value is None:
                self._held.pop(key, None)
                continue
            try:
                if key == VERSION_KEY:
                    self._switch(MirrorGapVersion.model_validate_json(record.value))
                else:
                    self._held[key] = MirrorGap.model_validate_json(record.value)
            except ValidationError as error:
                log.error("mirror_gap_rejected", offset=record.offset, problem=f"{error.error_count()} errors")

    def _switch(self, current: MirrorGapVersion) -> None:
        self._held = {key: gap for key, gap in self._held.items() if gap.version == current.version}
        self.gaps = {(gap.origin, gap.hs6): gap for gap in self._held.values()}
        self.version = current.version
        log.info("mirror_gaps_applied", version=current.version, pairs=len(self.gaps))


def mirror_gaps_follower(settings: KafkaSettings, table: MirrorGapTable) -> CompactedTopicFollower:
    """A follower that applies `mirror-gaps` to `table`; scoring waits for its `caught_up` before scoring."""

    async def apply(records: list[Record], live: bool) -> None:
        # On the event loop, like the batches' rule evaluation: a batch sees one table.
        table.apply(records)

    return CompactedTopicFollower(settings, "mirror-gaps", apply)


class MirrorRules:
    """Which rules test the gap table (worked out once per rule set), the subjects as they read it, and reasons."""

    def __init__(self) -> None:
        self._rules: tuple[CompiledRule, ...] | None = None
        self._testing: dict[str, frozenset[str]] = {}

    def fields_of(self, rules: tuple[CompiledRule, ...], rule: CompiledRule) -> frozenset[str]:
        """The mirror fields `rule` (one of `rules`) tests."""
        self._learn(rules)
        return self._testing.get(rule.rule_id, frozenset())

    def subjects(
        self, rules: tuple[CompiledRule, ...], subjects: Sequence[Any], table: MirrorGapTable
    ) -> Sequence[Any]:
        """The declarations as rules see them: with the table when a rule tests it, else themselves."""
        self._learn(rules)
        if not self._testing:
            return subjects
        gaps = table.gaps
        return [WithMirrorGaps(subject, gaps) for subject in subjects]

    def _learn(self, rules: tuple[CompiledRule, ...]) -> None:
        if rules is self._rules:
            return
        found = {rule.rule_id: mirror_fields_tested(rule.spec.condition) for rule in rules}
        self._testing = {rule_id: fields for rule_id, fields in found.items() if fields}
        self._rules = rules


def gap_reason(gap: MirrorGap, fields: frozenset[str]) -> str:
    """The gap of a pair in words, naming the fields the rule tested and their values."""
    tested = ", ".join(
        f"{name} {gap.unit_value_gap:.2f}" if name == "mirror_unit_value_gap" else f"{name} {gap.value_gap_usd:,.0f}"
        for name in sorted(fields)
    )
    where = f"HS6 {gap.hs6} from {gap.origin}"
    period = f"{gap.period_from} to {gap.period_to}"
    if gap.unit_value_gap is not None and gap.declared_unit_value_usd is not None and gap.partner_unit_value_usd:
        direction = "below" if gap.unit_value_gap >= 0 else "above"
        said = (
            f"declarations of {where} state USD {_usd(gap.declared_unit_value_usd)} per kg, "
            f"{abs(gap.unit_value_gap):.0%} {direction} the USD {_usd(gap.partner_unit_value_usd)} per kg partner "
            f"countries report exporting"
        )
    else:
        less = "less" if gap.value_gap_usd >= 0 else "more"
        said = f"declarations of {where} state USD {abs(gap.value_gap_usd):,.0f} {less} than partner countries report"
    return f"mirror analysis ({tested}): {said} ({period}; table {gap.version})"


def _usd(amount: float) -> str:
    """Dollars for a reader: cents from 10 up, three significant digits below (many goods cost cents per kg)."""
    return f"{amount:,.2f}" if abs(amount) >= 10 else f"{amount:.3g}"
