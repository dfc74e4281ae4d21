"""Every watchlist entry the watchlist service's schema accepts, scoring indexes and screens against (names in any
script, the longest names and most aliases, names that normalise to nothing)."""

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from portcullis.scoring.lists import ListState
from portcullis.shared.schemas.watchlist import EntryDocument
from portcullis.shared.screening import ScreeningQuery
from tests.unit.services.contract_strategies import COUNTRIES, imo_numbers, long_text
from tests.unit.services.stream_fixtures import FakeRecord

names = st.one_of(long_text(300), st.sampled_from(["...", "\u200b", "-", "'", "ß" * 300, "\ufdfa" * 300, "\u0301a"]))


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["person", "organization", "vessel", "aircraft"]))
    spec: dict[str, Any] = {
        "kind": kind,
        "name": draw(names),
        "aliases": draw(st.one_of(st.lists(names, max_size=3), names.map(lambda name: [name] * 200))),
        "list_name": "L",
        "reason": "r",
    }
    if kind == "person":
        spec["birth_years"] = draw(st.lists(st.integers(1850, 2100), max_size=50))
        spec["nationalities"] = draw(st.lists(st.sampled_from(COUNTRIES), max_size=50))
    if kind == "vessel":
        spec["imo_number"] = draw(imo_numbers())
    return spec


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(entries(), min_size=1, max_size=3), query=names)
def test_every_entry_the_schema_accepts_is_indexed_and_screened_against(
    specs: list[dict[str, Any]], query: str
) -> None:
    records = []
    for n, spec in enumerate(specs):
        document = {
            "type": "entry",
            "id": f"e{n}",
            "version": 1,
            "changed_by": "a",
            "changed_at": "2026-01-01T00:00:00Z",
        }
        try:
            EntryDocument.model_validate({**document, "entry": spec})
        except ValidationError:
            continue
        records.append(FakeRecord(f"entry:e{n}".encode(), orjson.dumps({**document, "entry": spec}), n))
    state = ListState()
    state.apply(records)  # type: ignore[arg-type]
    assert state.entry_count == len(records)
    for spec in specs:  # screening by any name, the entries' own included, raises nothing
        state.index.screen(ScreeningQuery(name=spec["name"]))
    state.index.screen(ScreeningQuery(name=query))
