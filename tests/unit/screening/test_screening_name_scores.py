"""A name scored once against the index serves every country it comes with: the same matches as screening the name
with each country (`WatchlistIndex.name_scores` and `weigh`, which scoring's party cache uses)."""

import random

import pytest

from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex
from portcullis.shared.synthetic import generate_declarations

COUNTRIES = (None, "KP", "IR", "CN", "KR", "RU", "SY", "AE")


def _names(entries: list[WatchlistEntry]) -> list[str]:
    rng = random.Random(14)
    vessels = [entry for entry in entries if entry.kind == "vessel"]
    listed = [name for entry in [*rng.sample(entries, 150), *rng.sample(vessels, 40)] for name in entry.names[:2]]
    made = [party.name for d in generate_declarations(30, seed=14).items for party in d.parties or ()]
    mistyped = [name[:3] + name[4:] for name in listed[:60] if len(name) > 6]
    return [*listed, *made, *mistyped]


@pytest.mark.parametrize("schema", [None, "Vessel"])
def test_a_name_scored_once_gives_the_matches_of_screening_it_with_each_country(
    sdn_entries: list[WatchlistEntry], sdn_index: WatchlistIndex, schema: str | None
) -> None:
    compared = matched = 0
    for name in _names(sdn_entries):
        scores = sdn_index.name_scores(name, schema, 0.8)  # type: ignore[arg-type]
        for country in COUNTRIES:
            query = ScreeningQuery(name=name, country=country, schema=schema)  # type: ignore[arg-type]
            screened = sdn_index.screen(query, limit=16, threshold=0.8)
            assert sdn_index.weigh(scores, country, limit=16) == screened, (name, country)
            compared += 1
            matched += bool(screened)
    assert matched > 400, compared  # listed names and their variants match, with evidence of their country


def test_scores_of_an_older_version_of_the_index_are_refused() -> None:
    index = WatchlistIndex()
    index.extend([WatchlistEntry(entry_id="o1", list_name="test", kind="organization", name="YONA STAR TRADING")])
    scores = index.name_scores("Yona Star Trading")
    assert [match.entry.entry_id for match in index.weigh(scores, "KP")] == ["o1"]
    index.remove("o1")
    with pytest.raises(ValueError, match="another version"):
        index.weigh(scores, "KP")
