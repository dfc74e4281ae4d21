"""A batch's party names not screened before are scored together, once each, and give every declaration of the
batch exactly the reasons screening it alone gives."""

import pytest

from portcullis.scoring.declaration_screening import screen_declaration, screen_declarations
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection
from tests.unit.services.stream_fixtures import NameScoringSpy, lists_with
from tests.unit.services.test_party_cache import AT, LIMITS, LISTED, OTHER, _declaration

NAMES = (
    ("Haedang Shipping Co Ltd", "Sinhung Foods"),
    ("Haedang Shiping Company", "Kalashnikov Concern"),
    ("Sinhung Foods", "Ltd."),
    ("Kalashnikov Koncern JSC", "Haedang Shipping Co Ltd"),
)


def test_a_batch_scores_its_new_party_names_together_once_with_the_reasons_of_each_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lists = lists_with(OTHER, ("entry", "sdn-haedang", LISTED))
    declarations = [_declaration(*names) for names in NAMES]
    alone = []
    for declaration in declarations:
        selection = Selection()
        screen_declaration(lists, declaration, AT, LIMITS, selection, PartyScreeningCache())
        alone.append([reason.text for reason in selection.reasons])
    spy = NameScoringSpy(lists.index, alone_allowed=False)
    monkeypatch.setattr(lists, "index", spy)

    selections = [Selection() for _ in declarations]
    screen_declarations(lists, declarations, selections, AT, LIMITS, PartyScreeningCache())

    assert [[reason.text for reason in selection.reasons] for selection in selections] == alone
    assert sum(map(bool, alone)) == 3  # every declaration but the one of no listed party has a reason
    expected = ["Haedang Shipping Co Ltd", "Sinhung Foods", "Haedang Shiping Company", "Kalashnikov Concern", "Ltd."]
    assert spy.batches == [[*expected, "Kalashnikov Koncern JSC"]]
