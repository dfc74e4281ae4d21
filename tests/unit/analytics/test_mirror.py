"""Mirror analysis: Comtrade files read in both layouts and refused whole on a bad line; re-import changes nothing;
the report over the Korea Customs quarter ranks every planted under-invoiced HS6 x origin pair in its top 10."""

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portcullis.analytics.mirror.comtrade import ComtradeFileError, parse_comtrade
from portcullis.analytics.mirror.rates import RateTable, load_rates, parse_rates
from portcullis.analytics.mirror.render import mirror_chart, mirror_csv
from portcullis.analytics.mirror.report import MirrorGroup, MirrorReport, mirror_report
from portcullis.analytics.mirror.store import MirrorStore
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.shared.synthetic.mirror import MirrorSample
from tests.unit.analytics.mirror_data import mirror_store, write_declarations

QUARTER = Period(date(2021, 1, 1), date(2021, 3, 31))
LEGACY_HEADER = (
    "Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,Reporter Code,"
    "Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,Commodity Code,Commodity,Qty Unit Code,Qty Unit,Qty,"
    "Netweight (kg),Trade Value (US$),Flag"
)


@pytest.fixture(scope="module")
def planted(
    sample_declarations: list[dict[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[StoreLayout, MirrorSample, Path]:
    folder = tmp_path_factory.mktemp("mirror")
    layout, sample = mirror_store(folder, sample_declarations)
    store = MirrorStore.beside(layout.root)
    store.merge(parse_comtrade(sample.comtrade_csv))
    return layout, sample, folder


def _report(
    layout: StoreLayout, rates: RateTable, group_by: MirrorGroup = MirrorGroup.PAIR, limit: int = 50
) -> MirrorReport:
    with connect(layout) as connection:
        return mirror_report(
            connection,
            MirrorStore.beside(layout.root),
            QUARTER,
            group_by,
            country="KOR",
            rates=rates,
            cif_fob_factor=1.10,
            limit=limit,
        )


def test_the_report_ranks_every_planted_pair_in_its_top_10(planted: tuple[StoreLayout, MirrorSample, Path]) -> None:
    layout, sample, folder = planted
    assert len(sample.planted) == 6
    report = _report(layout, load_rates(folder / "rates.csv", "KRW"))
    top = [(row.hs6, row.origin) for row in report.rows[:10]]
    assert set(sample.planted) <= set(top), (sample.planted, top)
    assert report.months_covered == ["2021-01", "2021-02", "2021-03"]
    assert report.months_without_rate == []
    assert report.rows_total > 1000
    first = report.rows[0]
    # The value gap is what the planting took away: the declared share of the true value, within the noise.
    assert first.value_ratio == pytest.approx(sample.planted[(first.hs6, first.origin)], abs=0.08)
    assert "score = mean(" in first.explanation
    # The drill-down names the importers whose declarations fall short the most, largest first.
    shortfalls = [c.shortfall_usd or 0 for c in first.top_importers]
    assert first.top_importers
    assert shortfalls == sorted(shortfalls, reverse=True)
    assert shortfalls[-1] > 0
    assert sum(shortfalls) <= 1.25 * (first.value_gap_usd or 0)
    assert 0 < len(first.top_declarations) <= 5
    # An honest pair is not singled out: most unplanted rows declare within 25% of what partners report.
    honest = [row for row in report.rows if (row.hs6, row.origin) not in sample.planted and row.value_ratio]
    assert sum(0.75 < (row.value_ratio or 0) < 1.25 for row in honest) / len(honest) > 0.8


def test_by_period_each_planted_pair_tops_its_months(planted: tuple[StoreLayout, MirrorSample, Path]) -> None:
    layout, sample, folder = planted
    report = _report(layout, load_rates(folder / "rates.csv", "KRW"), MirrorGroup.PERIOD)
    assert {row.period for row in report.rows} <= {"202101", "202102", "202103"}
    top = {(row.hs6, row.origin) for row in report.rows[:30]}
    assert set(sample.planted) <= top


def test_declared_values_without_a_rate_are_flagged_not_guessed(
    planted: tuple[StoreLayout, MirrorSample, Path],
) -> None:
    layout, _, _ = planted
    report = _report(layout, parse_rates("currency,period,usd_per_unit\nKRW,2021-01,0.0009\n", "KRW"), limit=5000)
    assert report.months_without_rate == ["2021-02", "2021-03"]
    unscored = [row for row in report.rows if row.score is None]
    assert unscored
    assert all("missing_rate" in row.flags and row.declared_value_usd is None for row in unscored)
    assert report.rows.index(unscored[0]) > max(i for i, row in enumerate(report.rows) if row.score is not None)


def test_csv_and_chart_carry_the_ranking(planted: tuple[StoreLayout, MirrorSample, Path]) -> None:
    layout, _, folder = planted
    report = _report(layout, load_rates(folder / "rates.csv", "KRW"))
    lines = list(csv.DictReader(io.StringIO(mirror_csv(report))))
    assert [line["hs6"] + line["origin"] for line in lines[:3]] == [r.hs6 + r.origin for r in report.rows[:3]]
    assert lines[0]["top_importers"]
    svg = mirror_chart(report, "svg")
    assert b"<svg" in svg[:500]
    assert report.rows[0].hs6.encode() in svg


def _comtrade(rows: list[dict[str, Any]], sample: MirrorSample) -> str:
    header = sample.comtrade_csv.splitlines()[0]
    out = io.StringIO()
    writer = csv.DictWriter(out, header.split(","), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_both_comtrade_layouts_read_the_same_records(planted: tuple[StoreLayout, MirrorSample, Path]) -> None:
    _, sample, _ = planted
    current = parse_comtrade(sample.comtrade_csv)[:5]
    legacy = [LEGACY_HEADER]
    for r in current:
        legacy.append(
            f"H6,{r.period[:4]},{r.period},,6,1,2,Export,156,China,{r.reporter},410,Rep. of Korea,{r.partner},{r.hs6},"
            f",8,kg,{r.quantity},{r.net_weight_kg},{r.value_usd},0"
        )
    assert parse_comtrade("\n".join(legacy)) == current


def test_a_bad_line_names_line_field_and_reason_and_nothing_is_loaded(
    planted: tuple[StoreLayout, MirrorSample, Path], tmp_path: Path
) -> None:
    _, sample, _ = planted
    rows = list(csv.DictReader(io.StringIO(sample.comtrade_csv)))[:6]
    rows[1]["cmdCode"] = "8517"
    rows[3]["partnerISO"], rows[3]["partnerCode"] = "XYZ", ""
    rows[4]["fobvalue"], rows[4]["primaryValue"] = "-12", "-12"
    with pytest.raises(ComtradeFileError) as refused:
        parse_comtrade(_comtrade(rows, sample))
    found = [(e.line, e.field) for e in refused.value.errors]
    assert found == [(3, "hs6"), (5, "partner"), (6, "value_usd")]
    assert "six digits" in refused.value.errors[0].reason
    with pytest.raises(ComtradeFileError) as missing:
        parse_comtrade("reporterISO,partnerISO,period\nCHN,KOR,202101\n")
    assert {e.field for e in missing.value.errors} == {"hs6", "flow", "value_usd"}
    duplicated = _comtrade([rows[0], rows[0]], sample)
    with pytest.raises(ComtradeFileError, match="first on line 3"):
        parse_comtrade(duplicated)


def test_re_import_changes_nothing_and_a_changed_figure_replaces_its_record(
    planted: tuple[StoreLayout, MirrorSample, Path], tmp_path: Path
) -> None:
    _, sample, _ = planted
    store = MirrorStore(tmp_path / "mirror" / "comtrade.parquet")
    records = parse_comtrade(sample.comtrade_csv)
    first = store.merge(records)
    assert (first.added, first.changed, first.unchanged) == (len(records), 0, 0)
    written = store.path.stat().st_mtime_ns
    again = store.merge(parse_comtrade(sample.comtrade_csv))
    assert (again.added, again.changed, again.unchanged, again.total) == (0, 0, len(records), len(records))
    assert store.path.stat().st_mtime_ns == written
    rows = list(csv.DictReader(io.StringIO(sample.comtrade_csv)))
    rows[0]["fobvalue"] = "1.00"
    revised = store.merge(parse_comtrade(_comtrade(rows, sample)))
    assert (revised.added, revised.changed, revised.total) == (0, 1, len(records))
    assert store.records()[records[0].key].value_usd == 1.0


def test_a_year_counts_only_without_its_months_and_undeclared_exports_rank(tmp_path: Path) -> None:
    layout = StoreLayout(tmp_path / "history", tmp_path / "personal")
    store = MirrorStore.beside(layout.root)
    store.merge(
        parse_comtrade(
            "Reporter ISO,Partner ISO,Period,Commodity Code,Trade Flow Code,Trade Value (US$),Netweight (kg)\n"
            "CHN,KOR,2021,851712,2,100000,1000\n"  # the year 2021 has a month below: this total is left out
            "CHN,KOR,202101,851712,2,5000,50\n"
            "DEU,KOR,2020,870323,2,300000,\n"  # 2020 has no monthly record: the year counts
            "DEU,JPN,2020,870323,2,900000,\n"  # not exports to us
        )
    )
    write_declarations(
        layout,
        [
            {"declaration_id": "D1", "submitted_at": "2021-01-05T10:00:00Z", "importer_id": "I1",
             "items": [{"hs6_code": "851712", "origin_country": "CN", "net_mass_kg": 50, "item_price": 2750000}]},
            {"declaration_id": "D2", "submitted_at": "2021-02-05T10:00:00Z", "importer_id": "I1",  # month not covered
             "items": [{"hs6_code": "851712", "origin_country": "CN", "net_mass_kg": 50, "item_price": 9000000}]},
        ],
    )  # fmt: skip
    rates = parse_rates("currency,period,usd_per_unit\nKRW,2021,0.0009\n", "KRW")
    with connect(layout) as connection:
        report = mirror_report(
            connection, store, Period(date(2020, 1, 1), date(2021, 12, 31)), MirrorGroup.PERIOD,
            country="KOR", rates=rates, cif_fob_factor=1.10,
        )  # fmt: skip
    assert len(report.months_covered) == 13  # twelve of 2020 and 2021-01
    assert [(r.hs6, r.origin, r.period) for r in report.rows] == [("870323", "DE", "2020"), ("851712", "CN", "202101")]
    undeclared, under = report.rows
    assert undeclared.partner_value_usd == 300000
    assert undeclared.flags == ["not_declared", "no_weight"]
    assert under.declared_value_usd == pytest.approx(2250)  # 2,750,000 won x 0.0009 / 1.10
    assert under.value_ratio == pytest.approx(0.45)
    assert under.top_declarations[0].id == "D1"
    assert under.top_declarations[0].shortfall_usd == pytest.approx(2750)
