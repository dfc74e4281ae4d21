"""Fixtures shared by the screening tests: the vendored OFAC SDN list, parsed once."""

from pathlib import Path

import pytest

from portcullis.shared.screening import WatchlistEntry, WatchlistIndex, load_ofac_sdn

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def sdn_entries() -> list[WatchlistEntry]:
    return load_ofac_sdn(REPOSITORY / "data" / "ofac-sdn")


@pytest.fixture(scope="session")
def sdn_index(sdn_entries: list[WatchlistEntry]) -> WatchlistIndex:
    index = WatchlistIndex()
    index.extend(sdn_entries)
    return index
