"""Listed persons planted in synthetic passenger records are found by screening, as the stream will screen them."""

from portcullis.shared.screening import ScreeningQuery, WatchlistEntry, WatchlistIndex
from portcullis.shared.synthetic.passengers import generate_passengers
from portcullis.shared.synthetic.truth import PlantedKind


def test_planted_listed_passengers_are_found(sdn_entries: list[WatchlistEntry], sdn_index: WatchlistIndex) -> None:
    synthetic = generate_passengers(4000, seed=11, planted_share=0.5, watchlist=sdn_entries)
    queries, expected = [], []
    for record, truth in zip(synthetic.items, synthetic.truth, strict=True):
        if PlantedKind.SDN_PERSON in truth.kinds:
            name = f"{record.given_names} {record.surname}"
            queries.append(
                ScreeningQuery(name=name, schema="Person", dob=record.date_of_birth, country=record.nationality)
            )
            expected.append(truth.watchlist_entry)
    assert len(queries) > 500
    results = sdn_index.screen_many(queries)
    found = sum(
        entry_id in [m.entry.entry_id for m in matches] for entry_id, matches in zip(expected, results, strict=True)
    )
    assert found / len(queries) >= 0.99


def test_clean_passengers_rarely_alert(sdn_entries: list[WatchlistEntry], sdn_index: WatchlistIndex) -> None:
    synthetic = generate_passengers(3000, seed=12, planted_share=0.0, watchlist=sdn_entries)
    queries = [
        ScreeningQuery(name=f"{r.given_names} {r.surname}", schema="Person", dob=r.date_of_birth, country=r.nationality)
        for r in synthetic.items
    ]
    alerts = sum(bool(matches) for matches in sdn_index.screen_many(queries))
    assert alerts / len(queries) <= 0.01
