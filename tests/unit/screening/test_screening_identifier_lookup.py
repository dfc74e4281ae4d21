"""The index's cheap test of whether any entry carries an identifier (scoring skips screening unlisted ones)."""

import pytest

from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex
from portcullis.shared.screening.entries import IdentityDocument


@pytest.fixture
def index() -> WatchlistIndex:
    index = WatchlistIndex()
    index.extend(
        [
            WatchlistEntry(entry_id="v1", list_name="test", kind="vessel", name="OCEAN STAR 1", imo_number="9074729"),
            WatchlistEntry(entry_id="c1", list_name="test", kind="container", name="", container_number="CSQU3054383"),
            WatchlistEntry(
                entry_id="o1",
                list_name="test",
                kind="organization",
                name="YONA STAR TRADING LLC",
                documents=(IdentityDocument(kind="registration", number="KR-123 4567"),),
            ),
        ]
    )
    return index


@pytest.mark.parametrize(
    "identifier",
    [{"imo": "IMO 9074729"}, {"container_number": "csqu 305438-3"}, {"document_number": "kr1234567"}],
)
def test_a_listed_identifier_in_any_spelling_is_listed_and_screening_finds_it(
    index: WatchlistIndex, identifier: dict[str, str]
) -> None:
    assert index.lists_identifier(**identifier)
    assert index.screen(ScreeningQuery(**identifier))


@pytest.mark.parametrize(
    "identifier",
    [{"imo": "9187629"}, {"container_number": "MSCU1234566"}, {"document_number": "KR7654321"}, {}, {"imo": ""}],
)
def test_an_unlisted_identifier_is_not_listed_and_screening_it_finds_nothing(
    index: WatchlistIndex, identifier: dict[str, str]
) -> None:
    assert not index.lists_identifier(**identifier)
    assert index.screen(ScreeningQuery(**identifier)) == []


def test_an_identifier_of_a_removed_entry_is_no_longer_listed(index: WatchlistIndex) -> None:
    index.remove("v1")
    index.remove("o1")
    assert not index.lists_identifier(imo="9074729")
    assert not index.lists_identifier(document_number="KR1234567")
    assert index.lists_identifier(container_number="CSQU3054383")
