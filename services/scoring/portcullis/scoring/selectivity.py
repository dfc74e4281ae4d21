"""Selectivity before the model: rules first, then watchlist hits; forced lanes and score additions with reasons."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import SELECTIVITY_HITS
from portcullis.scoring.mirror_gaps import MirrorGapTable, MirrorRules, gap_reason
from portcullis.scoring.policy import stricter
from portcullis.shared.rules import CompiledRule, RuleHit, evaluate
from portcullis.shared.rules.fields import AmendedSubject
from portcullis.shared.schemas import Declaration, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.decision import PossibleMatch
from portcullis.shared.schemas.watchlist import Action, TraderRole


@dataclass
class Selection:
    """What rules and watchlists decided for one item: a forced lane, a score addition, the reasons, and the
    possible matches that wait for an analyst (they set no lane)."""

    lane: Lane | None = None
    score_added: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    possible_matches: list[PossibleMatch] = field(default_factory=list)

    def hold_for_review(self, match: PossibleMatch, reason: Reason) -> None:
        """Note a possible match for review, with its reason; the lane stays what the rest gives."""
        self.possible_matches.append(match)
        self.reasons.append(reason)

    def add(self, action: Action, reason: Reason) -> None:
        """Apply an action: the stricter lane wins; score additions add up."""
        if action.lane is not None:
            self.lane = stricter(self.lane, action.lane)
        if action.score is not None:
            self.score_added += action.score
        self.reasons.append(reason)


def _items_text(items: tuple[int, ...]) -> str:
    if items == (0,):
        return ""
    label = "item" if len(items) == 1 else "items"
    return f" ({label} {', '.join(str(n) for n in items)})"


def for_rules(subjects: Sequence[Any], amended: Sequence[object] | None) -> Sequence[Any]:
    """The subjects as rules see them: those amended after selection (a truthy `amended`) wrapped, so that rules
    read `amended_after_selection` 1 of them."""
    if amended is None:
        return subjects
    return [AmendedSubject(s) if mark else s for s, mark in zip(subjects, amended, strict=True)]


#: Which rules test the mirror gap table (one rule set at a time: the lists' current one).
_MIRROR_RULES = MirrorRules()


def _mirror_text(
    rules: tuple[CompiledRule, ...], hit: RuleHit, declaration: Declaration, mirror: MirrorGapTable
) -> str:
    """For a rule testing the gap table: the gap of each matched item's origin x HS6, in words."""
    fields = _MIRROR_RULES.fields_of(rules, hit.rule)
    if not fields:
        return ""
    texts: dict[str, None] = {}
    for number in hit.items:
        if number < 1:  # a match on header fields alone names no item
            continue
        item = declaration.items[number - 1]
        gap = mirror.gaps.get((item.origin_country, item.hs6_code))
        if gap is not None:
            texts[gap_reason(gap, fields)] = None
    return "".join(f"; {text}" for text in texts)


def select_declarations(
    state: ListState,
    declarations: Sequence[Declaration],
    at: datetime,
    amended: Sequence[object] | None = None,
    mirror: MirrorGapTable | None = None,
) -> list[Selection]:
    """Rules, then exact trader-id watchlist hits (importer, declarant, seller), for each declaration of a batch.

    `amended` marks (truthy) the declarations amended after selection, which rules see as such; `mirror` is the gap
    table the `mirror_*` fields read (without it they are null)."""
    selections = []
    counted: Counter[ReasonKind] = Counter()
    rules = state.rules
    subjects = _MIRROR_RULES.subjects(rules, declarations, mirror) if mirror is not None else declarations
    hits_per_declaration = evaluate(rules, for_rules(subjects, amended), at)
    for declaration, hits in zip(declarations, hits_per_declaration, strict=True):
        selection = Selection()
        for hit in hits:
            spec = hit.rule.spec
            gaps = _mirror_text(rules, hit, declaration, mirror) if mirror is not None else ""
            selection.add(
                spec.action,
                Reason(
                    kind=ReasonKind.RULE,
                    text=f"{spec.reason}{_items_text(hit.items)}{gaps}",
                    code=hit.rule.rule_id,
                    weight=spec.action.score,
                ),
            )
        for role, trader_id in (
            (TraderRole.IMPORTER, declaration.importer_id),
            (TraderRole.DECLARANT, declaration.declarant_id),
            (TraderRole.SELLER, declaration.seller_id),
        ):
            if trader_id is None:
                continue
            for document in state.traders(role, trader_id):
                entry = document.entry
                if not entry.in_force(at):
                    continue
                selection.add(
                    entry.action,
                    Reason(
                        kind=ReasonKind.WATCHLIST,
                        text=f"{role} {trader_id} is on the watchlist {entry.list_name!r} "
                        f"(entry {document.id}, match score 1.00): {entry.reason}",
                        code=document.id,
                        weight=1.0,
                    ),
                )
        for reason in selection.reasons:
            counted[reason.kind] += 1
        selections.append(selection)
    for kind, count in counted.items():  # a label lookup per kind and batch, not per hit
        SELECTIVITY_HITS.labels(Stream.DECLARATION, kind).inc(count)
    return selections
