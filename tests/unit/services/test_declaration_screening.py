"""Screening the version-2 parts of declarations: parties by name (with country and trader id), the vessel by IMO
number, each container by number; the lane the entry forces, and reasons naming the party's role and the entry."""

import copy
import json
import re
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest

from portcullis.scoring import declaration_screening
from portcullis.scoring.declaration_screening import (
    GENERIC_COMPANY_WORDS,
    ScreeningLimits,
    _is_generic,
    distinctive_names_agree,
    has_parts_to_screen,
    screen_declarations,
)
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.selectivity import Selection, select_declarations
from portcullis.shared.schemas import Declaration, Lane
from tests.unit.services.stream_fixtures import lists_with, verdict

DOC = Path(__file__).resolve().parents[3] / "docs" / "wco-data-model.md"
FULL: dict[str, Any] = json.loads(
    re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)[0]
)
V1: dict[str, Any] = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
LIMITS = ScreeningLimits(threshold=0.85, strong_score=0.95)
AT = datetime(2026, 3, 2, tzinfo=UTC)
LISTS = lists_with(
    ("entry", "sdn-org", {"kind": "organization", "name": "Kalashnikov Concern JSC", "aliases": ["Izhmash"],
                          "countries": ["RU"], "list_name": "OFAC SDN", "reason": "RUSSIA-EO14024",
                          "identifiers": [{"kind": "registration", "number": "RU1111831005"}]}),
    ("entry", "sdn-vessel", {"kind": "vessel", "name": "ADRIAN DARYA 1", "imo_number": "9116412",
                             "list_name": "OFAC SDN", "reason": "SDGT"}),
    ("entry", "box", {"kind": "container", "container_number": "TGHU9876542", "list_name": "Intelligence",
                      "reason": "cocaine seizure in the same box", "action": {"lane": "yellow"}}),
)  # fmt: skip


def _screen(document: dict[str, Any]) -> Selection:
    declaration = Declaration.model_validate(document)
    selection = Selection()
    screen_declarations(LISTS, [declaration], [selection], AT, LIMITS)
    return selection


def _with_parties(*parties: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(FULL)
    document["parties"] = list(parties)
    document["transport"] = {"port_of_loading": "CNNGB"}
    return document


def test_a_listed_consignor_sends_the_declaration_red_with_a_reason_naming_role_and_entry() -> None:
    selection = _screen(_with_parties({"role": "consignor", "name": "KALASHNIKOV CONCERN", "country": "RU"}))
    assert selection.lane is Lane.RED
    [reason] = selection.reasons
    assert reason.kind == "watchlist"
    assert reason.code == "sdn-org"
    assert reason.text.startswith("consignor 'KALASHNIKOV CONCERN' matches 'Kalashnikov Concern JSC' on the "
                                  "watchlist 'OFAC SDN' (entry sdn-org, match score")  # fmt: skip


def test_one_party_in_two_roles_gives_one_reason_naming_both() -> None:
    party = {"name": "Kalashnikov Concern JSC", "country": "RU"}
    selection = _screen(_with_parties({"role": "exporter", **party}, {"role": "consignor", **party}))
    [reason] = selection.reasons
    assert reason.text.startswith("exporter and consignor 'Kalashnikov Concern JSC' matches")


def test_a_listed_trader_id_decides_even_under_another_name() -> None:
    selection = _screen(_with_parties({"role": "consignee", "name": "Kalash Trade", "party_id": "RU1111831005"}))
    assert selection.lane is Lane.RED
    assert "document number matches" in selection.reasons[0].text


def test_a_listed_vessel_is_found_by_its_imo_number_under_any_name() -> None:
    document = _with_parties({"role": "consignee", "name": "Van Dijk Trading BV", "country": "NL"})
    document["transport"] = {"vessel_imo": "9116412", "vessel_name": "GRACE 1"}
    selection = _screen(document)
    assert selection.lane is Lane.RED
    assert selection.reasons[0].text.startswith("vessel IMO 9116412 matches 'ADRIAN DARYA 1'")


def test_a_listed_vessel_named_without_its_imo_number_is_a_possible_match() -> None:
    document = _with_parties({"role": "consignee", "name": "Van Dijk Trading BV", "country": "NL"})
    document["transport"] = {"vessel_name": "ADRIAN DARYA 1"}
    selection = _screen(document)
    assert selection.lane is Lane.YELLOW
    assert selection.reasons[0].text.startswith("vessel 'ADRIAN DARYA 1' may match (possible match, to be checked)")


def test_a_vessel_gets_the_same_reasons_in_a_batch_as_alone() -> None:
    # None listed but 9116412 (ADRIAN DARYA 1's): 9074729 and 9312341 differ from it alike.
    numbers = (None, "9074729", "9116412", "9312341", "9074729")
    declarations = []
    for number in numbers:
        document = _with_parties({"role": "consignee", "name": "Van Dijk Trading BV", "country": "NL"})
        document["transport"] = {"vessel_name": "ADRIAN DARYA 1", "vessel_imo": number}
        declarations.append(Declaration.model_validate(document))
    alone = []
    for declaration in declarations:
        selection = Selection()
        screen_declarations(LISTS, [declaration], [selection], AT, LIMITS, PartyScreeningCache())
        alone.append([reason.text for reason in selection.reasons])
    selections = [Selection() for _ in declarations]
    screen_declarations(LISTS, declarations, selections, AT, LIMITS, PartyScreeningCache())

    assert [[reason.text for reason in selection.reasons] for selection in selections] == alone
    assert alone[0][0].startswith("vessel 'ADRIAN DARYA 1' may match")
    assert alone[2][0].startswith("vessel IMO 9116412 matches 'ADRIAN DARYA 1'")
    assert alone[1] == alone[3] == [], "a differing IMO number lowers the name's score below the threshold"


def test_a_listed_container_forces_the_lane_of_its_entry() -> None:
    document = _with_parties({"role": "consignee", "name": "Van Dijk Trading BV", "country": "NL"})
    document["transport"] = {"container_numbers": ["CSQU3054383", "TGHU 987654-2"]}
    selection = _screen(document)
    assert selection.lane is Lane.YELLOW
    assert [r.text.split(" on the")[0] for r in selection.reasons] == ["container TGHU9876542 matches a listed entry"]


def test_a_clean_declaration_and_a_version_1_declaration_get_no_hit() -> None:
    assert _screen(FULL).reasons == []
    declaration = Declaration.model_validate(V1)
    assert not has_parts_to_screen(declaration)


def test_a_weak_name_match_waits_for_review_and_sets_no_lane() -> None:
    selection = _screen(_with_parties({"role": "notify", "name": "Kalashnikov Consern", "country": "NL"}))
    assert selection.lane is None
    [reason] = selection.reasons
    assert "possible match pending an analyst's review" in reason.text
    [possible] = selection.possible_matches
    assert (possible.entry_id, possible.entry_version, possible.list_name) == ("sdn-org", 1, "OFAC SDN")
    assert possible.subject_key == "party:KALASHNIKOV CONSERN|NL"
    assert possible.lane is Lane.RED  # what the entry forces once an analyst confirms
    assert 0.85 <= possible.score < 0.95


def test_a_party_with_a_trader_id_is_reviewed_under_its_trader_id() -> None:
    party = {"role": "notify", "name": "Kalashnikov Consern", "country": "NL", "party_id": "NL812345678"}
    [possible] = _screen(_with_parties(party)).possible_matches
    assert possible.subject_key == "trader:NL812345678"


def test_a_weak_match_below_a_raised_review_threshold_is_held_at_yellow_as_before() -> None:
    declaration = Declaration.model_validate(
        _with_parties({"role": "notify", "name": "Kalashnikov Consern", "country": "NL"})
    )
    selection = Selection()
    limits = ScreeningLimits(threshold=0.85, strong_score=0.95, review_threshold=0.94)
    screen_declarations(LISTS, [declaration], [selection], AT, limits)
    assert selection.lane is Lane.YELLOW
    assert not selection.possible_matches
    assert "may match (possible match, to be checked)" in selection.reasons[0].text


def test_a_dismissed_possible_match_is_left_out_for_that_subject_and_entry_version_only() -> None:
    lists = lists_with(
        ("entry", "sdn-org", {"kind": "organization", "name": "Kalashnikov Concern JSC", "countries": ["RU"],
                              "list_name": "OFAC SDN", "reason": "RUSSIA-EO14024"}),
    )  # fmt: skip
    lists.dismissals.apply([verdict("party:KALASHNIKOV CONSERN|NL", "sdn-org", 1, "dismissed")])
    dismissed = Declaration.model_validate(
        _with_parties({"role": "notify", "name": "Kalashnikov Consern", "country": "NL"})
    )
    other = Declaration.model_validate(
        _with_parties({"role": "notify", "name": "Kalashnikov Consern", "country": "DE"})
    )
    selections = [Selection(), Selection()]
    screen_declarations(lists, [dismissed, other], selections, AT, LIMITS)
    assert selections[0].possible_matches == []
    assert selections[0].reasons == []
    assert [m.subject_key for m in selections[1].possible_matches] == ["party:KALASHNIKOV CONSERN|DE"]
    # A confirmation of the same subject and entry version takes the dismissal back.
    lists.dismissals.apply([verdict("party:KALASHNIKOV CONSERN|NL", "sdn-org", 1, "confirmed")])
    again = Selection()
    screen_declarations(lists, [dismissed], [again], AT, LIMITS)
    assert [m.entry_id for m in again.possible_matches] == ["sdn-org"]


@pytest.mark.parametrize(
    ("condition", "matches_full_example"),
    [
        ({"field": "sender_country", "op": "eq", "value": "CN"}, True),
        ({"field": "receiver_country", "op": "eq", "value": "CN"}, False),
        ({"field": "party_role", "op": "eq", "value": "notify"}, True),
        ({"field": "party_country", "op": "in", "value": ["TW"]}, True),
        ({"field": "party_id", "op": "eq", "value": "NL812345678"}, True),
        ({"field": "port_of_loading", "op": "prefix", "value": "CN"}, True),
        ({"field": "port_of_discharge", "op": "eq", "value": "NLRTM"}, True),
        ({"field": "vessel_imo", "op": "eq", "value": "9074729"}, True),
        ({"field": "container_count", "op": "ge", "value": 2}, True),
        ({"field": "container_number", "op": "prefix", "value": "MSCU"}, True),
        ({"field": "description_word", "op": "in", "value": ["denim", "cocaine"]}, True),
        ({"field": "description_word", "op": "eq", "value": "cocaine"}, False),
        ({"field": "procedure_code", "op": "eq", "value": "4000"}, True),
        ({"field": "currency", "op": "ne", "value": "USD"}, False),
        ({"field": "quantity_unit", "op": "eq", "value": "NAR"}, True),
        ({"field": "gross_mass_kg", "op": "gt", "value": 9000}, True),
        ({"field": "packages", "op": "lt", "value": 100}, False),
        ({"field": "invoice_amount", "op": "between", "value": [60000, 70000]}, True),
        ({"field": "flight_number", "op": "eq", "value": "LH400"}, False),
    ],
)
def test_rules_read_the_new_fields(condition: dict[str, Any], matches_full_example: bool) -> None:
    rule = {"name": "r", "reason": "rule on a version-2 field", "action": {"lane": "yellow"}, "condition": condition}
    lists = lists_with(("rule", "R-V2", rule))
    full, v1 = Declaration.model_validate(FULL), Declaration.model_validate(V1)
    full_selection, v1_selection = select_declarations(lists, [full, v1], AT)
    assert (full_selection.lane is Lane.YELLOW) is matches_full_example
    # A version-1 declaration has none of these parts: only negative tests can hold for it, never a crash.
    assert v1_selection.lane is None or condition["op"] in {"ne", "not_in"}


@pytest.mark.parametrize(
    ("name", "listed", "agree"),
    [
        ("Kalashnikv Concern", "KALASHNIKOV CONCERN JSC", True),  # a typing error
        ("Korea Ocean Schipping Agency", "KOREA OCEAN SHIPPING AGENCY", True),  # in a generic word
        ("Tejarat Bank", "BANK TEJARAT", True),  # another word order
        # Neither name has a generic word: the name score judged the distinctive words alone.
        ("Aa Estudio Ltd", "AA ESTUDIO ARQUITECTONICO", True),
        ("Krymjd", "KRYMZHD", True),  # a transliteration
        ("REITRONIC CORPORATION, LIMITED", "RAYTRONIC CORPORATION, LIMITED", True),
        # A legal form or title of the listed name, mistyped or transliterated, is no distinctive word.
        ("Mbada Diamonds (Privati) Limited", "MBADA DIAMONDS (PRIVATE) LIMITED", True),
        ("Limited Liaility Company Global Concepts Group", "LIMITED LIABILITY COMPANY GLOBAL CONCEPTS GROUP", True),
        ("Grupo Egmont, S.A. De C.W.", "GRUPO EGMONT, S.A. DE C.V.", True),
        ("Mulah Nazir Group", "MULLAH NAZIR GROUP", True),
        # A limitation: another spelling of the one distinctive word next to generic ones is refused, as a name of
        # similar sound would be (the false hits below).
        ("Dongmay Group", "DONGMEI GROUP", False),
        ("Hyunjin Trading Co Ltd", "KOREA HEUNGJIN TRADING COMPANY", False),
        ("Jinyong Trading Co Ltd", "SONGI TRADING COMPANY", False),  # only "Trading" in common
        ("Taiwei Import Export Co Ltd", "M. D. S. IMPORT EXPORT CO., LTD.", False),
        ("Baoyong Industrial Co Ltd", "INDUSTRIAL BANK", False),
        ("Sammin Industrial Co Ltd", "AMIN INDUSTRIAL COMPANY", False),
    ],
)
def test_company_names_must_agree_on_more_than_generic_words(name: str, listed: str, agree: bool) -> None:
    assert distinctive_names_agree(name, listed) is agree


def test_a_company_sharing_only_generic_words_with_a_listed_one_is_no_hit() -> None:
    lists = lists_with(
        ("entry", "songi", {"kind": "organization", "name": "SONGI TRADING COMPANY", "list_name": "OFAC SDN",
                            "reason": "DPRK3"}),
    )  # fmt: skip
    declaration = Declaration.model_validate(_with_parties({"role": "importer", "name": "Jinyong Trading Co Ltd"}))
    selection = Selection()
    screen_declarations(lists, [declaration], [selection], AT, LIMITS)
    assert selection.reasons == []


def test_a_tombstone_on_the_reviews_topic_takes_a_dismissal_back() -> None:
    lists = lists_with()
    lists.dismissals.apply([verdict("party:ACME|NL", "sdn-org", 3, "dismissed")])
    assert lists.dismissals.dismissed("party:ACME|NL", "sdn-org", 3)
    assert not lists.dismissals.dismissed("party:ACME|NL", "sdn-org", 4)
    tombstone = verdict("party:ACME|NL", "sdn-org", 3, "dismissed")
    tombstone.value = None
    lists.dismissals.apply([tombstone])
    assert not lists.dismissals.dismissed("party:ACME|NL", "sdn-org", 3)


def _difflib_only_generic(word: str) -> bool:
    """The generic-word test as it was before its quick bound (difflib's ratio against every generic word)."""
    return word in GENERIC_COMPANY_WORDS or (
        len(word) >= 4
        and any(
            abs(len(word) - len(generic)) <= 2 and SequenceMatcher(None, word, generic).ratio() >= 0.8
            for generic in GENERIC_COMPANY_WORDS
        )
    )


def test_mistyped_generic_words_are_told_as_before_the_quick_bound() -> None:
    """Words one or two typing errors from a generic word (where the bound and difflib's ratio are closest) and
    unrelated words: each is a generic word exactly when difflib alone says so, and the known typos still are."""
    words = {"SCHIPPING", "SUKPLY", "DAEJIN", "KALASHNIKOV", "IZHMASH", "TRADIN", "ELECTRONIX"}
    for generic in sorted(GENERIC_COMPANY_WORDS):
        for i in range(len(generic)):
            words.add(generic[:i] + generic[i + 1 :])
            words.add(generic[:i] + "X" + generic[i + 1 :])
            words.add(generic[:i] + generic[i + 1 : i + 3][::-1] + generic[i + 3 :])
            words.add(generic[:i] + "QZ" + generic[i + 2 :])
    decided = {word: _is_generic(word) for word in words}
    assert decided == {word: _difflib_only_generic(word) for word in words}
    assert decided["SCHIPPING"]
    assert decided["SUKPLY"]
    assert not decided["DAEJIN"]
    assert 0 < sum(decided.values()) < len(words)


def _difflib_only_letters(words: tuple[str, ...], other: tuple[str, ...], at_least: float) -> float:
    """The share of letters in common as it was before its quick bound (difflib's ratio in both word orders)."""
    return max(
        SequenceMatcher(None, " ".join(words), " ".join(other)).ratio(),
        SequenceMatcher(None, " ".join(sorted(words)), " ".join(sorted(other))).ratio(),
    )


def test_company_names_agree_as_before_the_quick_bound_on_letters_in_common(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listed company names against their own typing errors, word orders and other companies (where the whole-name
    and distinctive-word ratios fall on both sides of their thresholds): agreement exactly as difflib alone gives."""
    listed = [
        "KOREA HEUNGJIN TRADING COMPANY", "KALASHNIKOV CONCERN JSC", "BANK TEJARAT", "SONGI TRADING COMPANY",
        "MIDDLE EAST SAMAN CHEMICAL COMPANY", "HONG KONG ELECTRONICS", "DAEWON INDUSTRIES",
        "KOREA DAESONG GENERAL TRADING CORPORATION", "BERLIN INDUSTRIES, CORP.", "AMIN INDUSTRIAL COMPANY",
    ]  # fmt: skip
    names = {"Hyunjin Trading Co Ltd", "Samhan Chemicals Co Ltd", "Daewoo Industrial Co Ltd", "Tejarat Bank"}
    for text in listed:
        for i in range(0, len(text), 2):
            names.add(text[:i] + text[i + 1 :])
            names.add(text[:i] + "Q" + text[i + 1 :])
            names.add(text[:i] + "QX" + text[i + 2 :])
    pairs = [(name, other) for name in sorted(names) for other in listed]
    decided = [distinctive_names_agree(name, other) for name, other in pairs]
    monkeypatch.setattr(declaration_screening, "_letters_in_common", _difflib_only_letters)
    assert decided == [distinctive_names_agree(name, other) for name, other in pairs]
    assert 0 < sum(decided) < len(pairs)
