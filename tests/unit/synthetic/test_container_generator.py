"""Synthetic container events: valid journeys on real lanes, in order, with planted risks that the truth names."""

from collections import Counter, defaultdict

import pytest

from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.screening.identifiers import is_valid_container_number, is_valid_imo_number
from portcullis.shared.synthetic import PlantedKind, generate_containers
from portcullis.shared.synthetic.containers import LISTED_PORTS, SIZE_TYPES, WEIGHT_TOLERANCE

ORDER = ["gate-in", "loaded", "transshipped", "discharged", "gate-out"]


@pytest.fixture(scope="module")
def sample(sdn_entries: list[WatchlistEntry]):  # type: ignore[no-untyped-def]
    return generate_containers(3000, seed=5, planted_share=0.2, watchlist=sdn_entries)


def _journeys(sample) -> dict[str, list[ContainerEvent]]:  # type: ignore[no-untyped-def]
    journeys: dict[str, list[ContainerEvent]] = defaultdict(list)
    for event in sample.items:
        journeys[event.container_number].append(event)
    return journeys


def test_exactly_the_asked_number_of_valid_events_in_time_order(sample) -> None:  # type: ignore[no-untyped-def]
    assert len(sample.items) == 3000
    assert len({e.event_id for e in sample.items}) == 3000
    assert [t.subject_id for t in sample.truth] == [e.event_id for e in sample.items]
    assert [t.partition_key for t in sample.truth] == [e.container_number for e in sample.items]
    for event in sample.items:
        assert ContainerEvent.model_validate_json(event.model_dump_json()) == event
        assert is_valid_container_number(event.container_number)
        assert is_valid_imo_number(event.vessel_imo)
    times = [e.event_time for e in sample.items]
    assert times == sorted(times)


def test_each_container_follows_its_journey_in_order(sample) -> None:  # type: ignore[no-untyped-def]
    for events in _journeys(sample).values():
        types = [e.event_type.value for e in events]
        assert types[0] == "gate-in"
        assert [ORDER.index(t) for t in types] == sorted(ORDER.index(t) for t in types)
        assert types.count("transshipped") <= len(events[0].transshipment_ports)
        assert events[0].event_location == events[0].port_of_loading
        if types[-1] == "gate-out":
            assert events[-1].event_location == events[-1].port_of_discharge
        first = events[0]
        assert all((e.port_of_loading, e.declared_gross_weight_kg) == (first.port_of_loading,
                   first.declared_gross_weight_kg) for e in events)  # fmt: skip


def test_the_same_seed_gives_the_same_events(sdn_entries: list[WatchlistEntry]) -> None:
    first = generate_containers(400, seed=9, planted_share=0.3, watchlist=sdn_entries)
    again = generate_containers(400, seed=9, planted_share=0.3, watchlist=sdn_entries)
    other = generate_containers(400, seed=10, planted_share=0.3, watchlist=sdn_entries)
    assert first.items == again.items
    assert first.truth == again.truth
    assert [e.container_number for e in first.items] != [e.container_number for e in other.items]


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5])
def test_the_planted_share_of_containers_is_as_asked(sdn_entries: list[WatchlistEntry], share: float) -> None:
    synthetic = generate_containers(1200, seed=4, planted_share=share, watchlist=sdn_entries)
    containers = {t.partition_key for t in synthetic.truth}
    planted = {t.partition_key for t in synthetic.truth if t.planted}
    # the last journey may be cut short before it shows its risk: allow one container off
    assert abs(len(planted) - round(len(containers) * share)) <= 1


def test_weights_are_plausible_and_clean_events_carry_no_planted_signal(sample) -> None:  # type: ignore[no-untyped-def]
    vessels_listed = {t.subject_id for t in sample.truth if PlantedKind.SDN_VESSEL in t.kinds}
    for event, truth in zip(sample.items, sample.truth, strict=True):
        _, (tare_low, _), max_gross = SIZE_TYPES[event.size_type]
        assert tare_low <= event.declared_gross_weight_kg <= max_gross
        if truth.planted:
            continue
        assert event.weight_discrepancy <= WEIGHT_TOLERANCE
        assert not event.seals_changed
        assert not {event.port_of_loading, *event.transshipment_ports} & set(LISTED_PORTS)
        assert event.event_id not in vessels_listed


def test_planted_events_show_what_the_truth_says(sample, sdn_by_id: dict[str, WatchlistEntry]) -> None:  # type: ignore[no-untyped-def]
    kinds = Counter(kind for t in sample.truth for kind in t.kinds)
    assert set(kinds) == {
        PlantedKind.SDN_VESSEL, PlantedKind.WEIGHT_DISCREPANCY, PlantedKind.CHANGED_SEALS, PlantedKind.LISTED_PORT
    }  # fmt: skip
    for event, truth in zip(sample.items, sample.truth, strict=True):
        if PlantedKind.WEIGHT_DISCREPANCY in truth.kinds:
            assert event.weight_discrepancy > WEIGHT_TOLERANCE
        if PlantedKind.CHANGED_SEALS in truth.kinds:
            assert event.seals_changed
        if PlantedKind.LISTED_PORT in truth.kinds:
            assert {event.port_of_loading, *event.transshipment_ports} & set(LISTED_PORTS)
        if PlantedKind.SDN_VESSEL in truth.kinds:
            assert sdn_by_id[truth.watchlist_entry].imo_number == event.vessel_imo


def test_clean_vessels_are_never_listed_ones(sample, sdn_entries: list[WatchlistEntry]) -> None:  # type: ignore[no-untyped-def]
    listed = {e.imo_number for e in sdn_entries if e.kind == "vessel"}
    for event, truth in zip(sample.items, sample.truth, strict=True):
        assert (event.vessel_imo in listed) == (PlantedKind.SDN_VESSEL in truth.kinds)
