"""The gap table analytics publishes for scoring's rules: computed over the months partners reported, every planted
under-invoiced pair of the Korea Customs quarter far above the clean ones, a version that changes with the content."""

from datetime import date
from pathlib import Path

import orjson

from portcullis.analytics.mirror.comtrade import parse_comtrade
from portcullis.analytics.mirror.gaps import compute_gaps, gap_messages, gap_period
from portcullis.analytics.mirror.settings import MirrorSettings
from portcullis.analytics.mirror.store import MirrorStore
from portcullis.analytics.reports.period import Period
from portcullis.shared.schemas.mirror import VERSION_KEY
from portcullis.shared.settings import KafkaSettings
from tests.unit.analytics.mirror_data import mirror_store


def test_the_period_ends_with_the_latest_month_partners_reported(tmp_path: Path) -> None:
    store = MirrorStore(tmp_path / "comtrade.parquet")
    assert gap_period(store, "KOR", 12) is None
    header = "Year,Period,Trade Flow Code,Reporter ISO,Partner ISO,Commodity Code,Netweight (kg),Trade Value (US$)"
    rows = ["2021,202103,X,CHN,KOR,382499,10,100", "2020,2020,X,CHN,KOR,382499,10,100"]
    store.merge(parse_comtrade("\n".join([header, *rows]) + "\n"))
    assert gap_period(store, "KOR", 3) == Period(date(2021, 1, 1), date(2021, 3, 31))
    assert gap_period(store, "KOR", 12) == Period(date(2020, 4, 1), date(2021, 3, 31))
    assert gap_period(store, "JPN", 12) is None


def test_planted_pairs_stand_out_and_the_version_follows_the_content(
    tmp_path: Path, sample_declarations: list[dict[str, object]]
) -> None:
    layout, sample = mirror_store(tmp_path, sample_declarations)
    store = MirrorStore.beside(layout.root)
    store.merge(parse_comtrade(sample.comtrade_csv))
    settings = MirrorSettings(rates_path=tmp_path / "rates.csv")
    table = compute_gaps(layout, store, settings)
    assert table is not None
    assert (table.period.first, table.period.last) == (date(2020, 4, 1), date(2021, 3, 31))
    gaps = {(gap.origin, gap.hs6): gap for gap in table.gaps}
    planted = {(origin, hs6) for hs6, origin in sample.planted}
    assert all(gaps[pair].unit_value_gap is not None and gaps[pair].unit_value_gap >= 0.35 for pair in planted)
    clean = [gap.unit_value_gap for pair, gap in gaps.items() if pair not in planted and gap.unit_value_gap is not None]
    assert len(clean) > 100
    assert sum(abs(value) < 0.2 for value in clean) / len(clean) > 0.9
    assert not any(gap.origin == "KR" for gap in table.gaps)  # no partner reports Korean-origin goods

    messages = gap_messages(KafkaSettings(topic_prefix="t-"), table)
    assert {message.topic for message in messages} == {"t-mirror-gaps"}
    assert messages[-1].key == VERSION_KEY
    assert orjson.loads(messages[-1].value or b"")["pairs"] == len(table.gaps)
    assert compute_gaps(layout, store, settings).version == table.version  # type: ignore[union-attr]

    again = MirrorSettings(rates_path=tmp_path / "rates.csv", gap_months=3)
    assert compute_gaps(layout, store, again).version != table.version  # type: ignore[union-attr]
