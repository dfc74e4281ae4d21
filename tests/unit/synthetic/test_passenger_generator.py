"""Synthetic passengers: valid records that look like real traffic, with planted risks that the truth names."""

import csv
import random
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from portcullis.shared.reference import airports
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.synthetic import PlantedKind, generate_passengers, write_truth_csv
from portcullis.shared.synthetic.passengers import ODD_ROUTE_RATIO
from portcullis.shared.synthetic.variants import split_listed_name, transliterate


@pytest.fixture(scope="module")
def sample(sdn_entries: list[WatchlistEntry]):  # type: ignore[no-untyped-def]
    return generate_passengers(3000, seed=7, planted_share=0.1, watchlist=sdn_entries)


def test_every_record_is_valid_on_the_wire_and_ids_are_unique(sample) -> None:  # type: ignore[no-untyped-def]
    for record in sample.items:
        assert PassengerRecord.model_validate_json(record.model_dump_json()) == record
    assert len({r.record_id for r in sample.items}) == len(sample.items) == 3000
    assert [t.subject_id for t in sample.truth] == [r.record_id for r in sample.items]


def test_the_same_seed_gives_the_same_records_and_another_seed_others(sdn_entries: list[WatchlistEntry]) -> None:
    first = generate_passengers(300, seed=11, planted_share=0.2, watchlist=sdn_entries)
    again = generate_passengers(300, seed=11, planted_share=0.2, watchlist=sdn_entries)
    other = generate_passengers(300, seed=12, planted_share=0.2, watchlist=sdn_entries)
    assert first.items == again.items
    assert first.truth == again.truth
    assert [r.surname for r in first.items] != [r.surname for r in other.items]


@pytest.mark.parametrize("share", [0.0, 0.013, 0.5, 1.0])
def test_the_planted_share_is_as_asked(sdn_entries: list[WatchlistEntry], share: float) -> None:
    synthetic = generate_passengers(400, seed=3, planted_share=share, watchlist=sdn_entries)
    assert sum(t.planted for t in synthetic.truth) == round(400 * share)


def test_names_come_from_many_origins_and_scripts(sample) -> None:  # type: ignore[no-untyped-def]
    clean = [r for r, t in zip(sample.items, sample.truth, strict=True) if not t.planted]
    nationalities = Counter(r.nationality for r in clean)
    assert len(nationalities) >= 60
    assert nationalities.most_common(1)[0][1] < 0.1 * len(clean)
    surnames = {r.surname.upper() for r in clean}
    assert len(surnames) >= 200
    assert {"NGUYEN", "MÜLLER", "OKAFOR", "GARCÍA", "AL-SAYED", "KIM", "HOSSEINI"} & surnames
    assert sum(not r.surname.isascii() for r in clean) > 0.03 * len(clean)
    # transliteration variants of one name appear side by side, as on real manifests
    given = {word for r in clean for word in r.given_names.upper().split()}
    assert len({"MOHAMMED", "MUHAMMAD", "MOHAMED", "MOHAMMAD"} & given) >= 3


def test_flights_join_real_airports_with_plausible_durations(sample) -> None:  # type: ignore[no-untyped-def]
    table = airports()
    for record in sample.items[::40]:
        distance = table[record.departure_airport].distance_km(table[record.arrival_airport])
        hours = (record.scheduled_arrival - record.scheduled_departure).total_seconds() / 3600
        assert 300 <= distance <= 13_500
        assert 250 <= distance / hours <= 900, (record.departure_airport, record.arrival_airport, hours)


def test_clean_records_carry_no_planted_signal(sample) -> None:  # type: ignore[no-untyped-def]
    for record, truth in zip(sample.items, sample.truth, strict=True):
        if not truth.planted:
            assert not record.document_expired_on_arrival
            assert _route_ratio(record.itinerary) < ODD_ROUTE_RATIO


def test_planted_records_show_what_the_truth_says(sample, sdn_by_id: dict[str, WatchlistEntry]) -> None:  # type: ignore[no-untyped-def]
    kinds = Counter(kind for t in sample.truth for kind in t.kinds)
    assert set(kinds) == {PlantedKind.SDN_PERSON, PlantedKind.EXPIRED_DOCUMENT, PlantedKind.ODD_ROUTE}
    variants = Counter()
    for record, truth in zip(sample.items, sample.truth, strict=True):
        if PlantedKind.EXPIRED_DOCUMENT in truth.kinds:
            assert record.document_expired_on_arrival
        if PlantedKind.ODD_ROUTE in truth.kinds:
            assert _route_ratio(record.itinerary) >= ODD_ROUTE_RATIO
        if PlantedKind.SDN_PERSON in truth.kinds:
            entry = sdn_by_id[truth.watchlist_entry]
            variants[truth.detail.split(";")[0]] += 1
            if "listed date of birth" in truth.detail:
                assert record.date_of_birth in entry.birth_dates
            if "listed nationality" in truth.detail:
                assert record.nationality in entry.nationalities
            if truth.detail.startswith("primary name, exact"):
                surname, given = split_listed_name(entry.name)  # type: ignore[misc]
                assert (record.surname.upper(), record.given_names.upper()) == (surname.upper(), given.upper())
    assert {"primary name, exact", "primary name, transliteration", "alias name, exact"} <= set(variants)


def test_transliteration_rewrites_one_romanisation() -> None:
    rng = random.Random(1)
    assert transliterate(rng, "Muhammad") == "MOHAMMED"
    assert {transliterate(rng, "Yusuf Kharrazi") for _ in range(50)} >= {"YOUSSEF KHARRAZI", "YUSUF HARRAZI"}
    assert transliterate(rng, "Bob") is None


def test_the_truth_file_lists_every_record(sample, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "truth.csv"
    assert write_truth_csv(sample.truth, path) == 3000
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0].keys() == {"stream", "subject_id", "partition_key", "planted", "kinds", "watchlist_entry", "detail"}
    planted = [row for row in rows if row["planted"] == "1"]
    assert len(planted) == 300
    assert all(row["kinds"] and row["detail"] for row in planted)
    assert all(row["watchlist_entry"].startswith("ofac-sdn:") for row in planted if row["kinds"] == "sdn_person")


def _route_ratio(itinerary: list[str]) -> float:
    table = airports()
    flown = sum(table[a].distance_km(table[b]) for a, b in pairwise(itinerary))
    return flown / table[itinerary[0]].distance_km(table[itinerary[-1]])


def test_dates_of_birth_are_plausible(sample) -> None:  # type: ignore[no-untyped-def]
    for record in sample.items:
        assert date(1900, 1, 1) < record.date_of_birth < record.scheduled_departure.date()
