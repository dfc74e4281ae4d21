"""Recall and false hits of declaration screening: generated version-2 declarations with planted SDN parties and
vessels, screened by scoring against the whole vendored OFAC SDN list (every party red on a hit, as imported).

Run for the numbers in docs/streams.md:
`.venv/bin/python -m tests.unit.services.declaration_screening_measure --count 20000`.
"""

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from portcullis.scoring.declaration_screening import ScreeningLimits, screen_declarations
from portcullis.scoring.lists import ListState
from portcullis.scoring.selectivity import select_declarations
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.schemas import Lane, ReasonKind
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.synthetic import generate_declarations
from tests.unit.services.screening_measure import SDN_DIR, sdn_list_state


@dataclass
class DeclarationMeasure:
    """What screening did with declarations carrying a planted listed party or vessel, and with clean ones."""

    planted: int = 0
    caught: int = 0
    caught_red: int = 0
    clean: int = 0
    false_hits: int = 0
    false_red: int = 0
    planted_by_variant: Counter[str] = field(default_factory=Counter)
    caught_by_variant: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)
    false_hit_texts: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.planted

    @property
    def false_hit_rate(self) -> float:
        return self.false_hits / self.clean


def measure_declarations(
    entries: list[WatchlistEntry], state: ListState, count: int, seed: int, planted_share: float
) -> DeclarationMeasure:
    """Generate `count` declarations and screen them as scoring does (trader ids, then version-2 parts)."""
    synthetic = generate_declarations(count, seed=seed, planted_share=planted_share, watchlist=entries)
    settings = ScoringSettings()
    limits = ScreeningLimits(settings.screening_threshold, settings.screening_strong_score)
    now = datetime.now(UTC)
    selections = select_declarations(state, synthetic.items, now)
    screen_declarations(state, synthetic.items, selections, now, limits)
    result = DeclarationMeasure()
    for declaration, selection, truth in zip(synthetic.items, selections, synthetic.truth, strict=True):
        listed = {r.code for r in selection.reasons if r.kind is ReasonKind.WATCHLIST}
        if truth.planted:
            variant = truth.kinds[0].value + (f" ({truth.detail.split(': ', 1)[1]})" if ": " in truth.detail else "")
            result.planted += 1
            result.planted_by_variant[variant] += 1
            # Caught: a lane, or a possible match held for an analyst's review (it forces no lane by itself).
            pending = {m.entry_id for m in selection.possible_matches}
            if truth.watchlist_entry in listed and (selection.lane is not None or truth.watchlist_entry in pending):
                result.caught += 1
                result.caught_by_variant[variant] += 1
                result.caught_red += selection.lane is Lane.RED
            else:
                result.missed.append(f"{truth.watchlist_entry} ({truth.detail}; {declaration.declaration_id})")
        else:
            result.clean += 1
            if listed:
                result.false_hits += 1
                result.false_red += selection.lane is Lane.RED
                result.false_hit_texts.extend(r.text for r in selection.reasons if r.kind is ReasonKind.WATCHLIST)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--planted-share", type=float, default=0.25)
    args = parser.parse_args()
    entries = load_ofac_sdn(SDN_DIR)
    state = sdn_list_state(entries)
    started = time.process_time()
    result = measure_declarations(entries, state, args.count, args.seed, args.planted_share)
    print(f"CPU {1000 * (time.process_time() - started) / args.count:.2f} ms a declaration, generation included")
    print(f"planted: {result.planted}, caught {result.caught} ({result.recall:.2%}), of them red {result.caught_red}")
    for variant, planted in sorted(result.planted_by_variant.items()):
        print(f"  {variant}: {result.caught_by_variant[variant]} of {planted}")
    print(
        f"clean: {result.clean}, with a watchlist hit {result.false_hits} ({result.false_hit_rate:.2%}), "
        f"of them red {result.false_red}"
    )
    for missed in result.missed:
        print(f"  missed {missed}")
    for text in result.false_hit_texts[:30]:
        print(f"  false hit: {text[:160]}")


if __name__ == "__main__":
    main()
