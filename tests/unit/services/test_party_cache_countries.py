"""A party's name that comes with several countries (an exporter with each origin of its goods) is scored against
the watchlist once; each country still weighs the match as a screening of its own would."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from portcullis.scoring.declaration_screening import ScreeningLimits, screen_declarations
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection
from portcullis.shared.schemas import Declaration
from tests.unit.services.stream_fixtures import NameScoringSpy, lists_with
from tests.unit.services.test_party_cache import FULL, LISTED, OTHER

LIMITS = ScreeningLimits(threshold=0.85, strong_score=0.95)
AT = datetime(2026, 3, 2, tzinfo=UTC)


def _reasons(cache: PartyScreeningCache, lists: Any, country: str) -> list[str]:
    document = copy.deepcopy(FULL)
    document["parties"] = [{"role": "consignor", "name": "Haedang Shipping Co", "country": country}]
    document["transport"] = {"port_of_loading": "CNNGB"}
    selection = Selection()
    screen_declarations(lists, [Declaration.model_validate(document)], [selection], AT, LIMITS, cache)
    return [reason.text for reason in selection.reasons]


def test_a_name_with_another_country_is_weighed_for_it_without_scoring_the_name_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lists = lists_with(OTHER, ("entry", "sdn-haedang", LISTED))
    spy = NameScoringSpy(lists.index)
    monkeypatch.setattr(lists, "index", spy)
    cache = PartyScreeningCache()

    listed_country, other_country = _reasons(cache, lists, "KP"), _reasons(cache, lists, "CN")

    assert spy.scored() == ["Haedang Shipping Co"]
    assert listed_country == _reasons(PartyScreeningCache(), lists, "KP")
    assert other_country == _reasons(PartyScreeningCache(), lists, "CN")
    assert "nationality matches" in listed_country[0]
    assert "nationality differs" in other_country[0]
