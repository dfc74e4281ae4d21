"""A batch's names scored together (`WatchlistIndex.name_scores_many`, which scoring uses for a batch's new party
names) get exactly the scores `name_scores` gives each of them alone."""

import random

import pytest

from portcullis.shared.screening import WatchlistEntry, WatchlistIndex
from portcullis.shared.synthetic import generate_declarations


def _names(entries: list[WatchlistEntry]) -> list[str]:
    rng = random.Random(1414)
    made = [party.name for d in generate_declarations(120, seed=1414).items for party in d.parties or ()]
    vessels = [entry for entry in entries if entry.kind == "vessel"]
    listed = [name for entry in [*rng.sample(entries, 80), *rng.sample(vessels, 30)] for name in entry.names[:2]]
    mistyped = [name[:3] + name[4:] for name in listed[:40] if len(name) > 6]
    # Repeated names, and names that normalise to nothing, keep their places in the batch.
    return [*made, *listed, *mistyped, made[0], "", "Ltd.", listed[0]]


@pytest.mark.parametrize(("schema", "threshold"), [(None, 0.85), (None, 0.7), (None, 0.5), ("Vessel", 0.85)])
def test_names_scored_together_get_the_scores_each_gets_alone(
    sdn_entries: list[WatchlistEntry], sdn_index: WatchlistIndex, schema: str | None, threshold: float
) -> None:
    names = _names(sdn_entries)
    alone = [sdn_index.name_scores(name, schema, threshold) for name in names]  # type: ignore[arg-type]

    together = sdn_index.name_scores_many(names, schema, threshold)  # type: ignore[arg-type]

    assert len(names) > 300
    assert together == alone
    # Listed names (and vessels' among them, for a vessel) and their variants match.
    assert sum(any(score >= threshold for _, score, _ in scores.scored) for scores in together) > 25


def test_an_empty_batch_scores_nothing(sdn_index: WatchlistIndex) -> None:
    assert sdn_index.name_scores_many([]) == []
