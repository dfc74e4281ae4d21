"""The OFAC SDN list, loaded once: the generators plant its persons and vessels."""

import pytest

from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from tests.conftest import REPO


@pytest.fixture(scope="session")
def sdn_entries() -> list[WatchlistEntry]:
    return load_ofac_sdn(REPO / "data" / "ofac-sdn")


@pytest.fixture(scope="session")
def sdn_by_id(sdn_entries: list[WatchlistEntry]) -> dict[str, WatchlistEntry]:
    return {entry.entry_id: entry for entry in sdn_entries}
