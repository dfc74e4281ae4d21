#!/usr/bin/env python3
"""Make the generated mirror sample (data/mirror-sample/) and the mirror report's chart of docs/analysis.md.

From the Korea Customs validation quarter: the partners' Comtrade file with planted under-invoicing
(portcullis.shared.synthetic.mirror, seed 17), the agency's rate table, the planted pairs, the declarations with
those pairs under-invoiced (in the data set's CSV layout, for `portcullis replay declarations --input`), and the
report over them computed with the service's own functions (JSON, CSV, SVG into docs/analysis/).

Run: `.venv/bin/python scripts/mirror-sample.py` (no broker needed).
"""

import csv
import sys
import tempfile
from datetime import date
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.unit.analytics.mirror_data

from portcullis.analytics.mirror.comtrade import parse_comtrade  # noqa: E402
from portcullis.analytics.mirror.rates import load_rates  # noqa: E402
from portcullis.analytics.mirror.render import mirror_chart, mirror_csv  # noqa: E402
from portcullis.analytics.mirror.report import MirrorGroup, mirror_report  # noqa: E402
from portcullis.analytics.mirror.store import MirrorStore  # noqa: E402
from portcullis.analytics.reports.period import Period  # noqa: E402
from portcullis.analytics.store.reader import connect  # noqa: E402
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv  # noqa: E402
from tests.unit.analytics.mirror_data import mirror_store  # noqa: E402

VALID = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"
SAMPLE = REPO / "data" / "mirror-sample"
OUT = REPO / "docs" / "analysis"
QUARTER = Period(date(2021, 1, 1), date(2021, 3, 31))


def main() -> None:
    """Write the sample and the report's files."""
    declarations = [d.model_dump(mode="json") for d in items_to_declarations(read_items_csv(VALID).items)]
    with tempfile.TemporaryDirectory() as folder:
        layout, sample = mirror_store(Path(folder), declarations)
        MirrorStore.beside(layout.root).merge(parse_comtrade(sample.comtrade_csv))
        SAMPLE.mkdir(parents=True, exist_ok=True)
        (SAMPLE / "comtrade.csv").write_text(sample.comtrade_csv, encoding="utf-8")
        (SAMPLE / "rates-krw.csv").write_text(sample.rates_csv, encoding="utf-8")
        with (SAMPLE / "planted.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["hs6", "origin", "declared_share"])
            writer.writerows((hs6, origin, share) for (hs6, origin), share in sorted(sample.planted.items()))
        _under_invoiced_csv(sample.planted)
        rates = load_rates(SAMPLE / "rates-krw.csv", "KRW")
        with connect(layout) as connection:
            report = mirror_report(
                connection, MirrorStore.beside(layout.root), QUARTER, MirrorGroup.PAIR,
                country="KOR", rates=rates, cif_fob_factor=1.10, limit=20,
            )  # fmt: skip
    stem = OUT / "mirror-pair-2021-01-01-2021-03-31"
    stem.with_suffix(".json").write_bytes(
        orjson.dumps(report.model_dump(mode="json", by_alias=True), option=orjson.OPT_INDENT_2) + b"\n"
    )
    stem.with_suffix(".csv").write_text(mirror_csv(report), encoding="utf-8")
    stem.with_suffix(".svg").write_bytes(mirror_chart(report, "svg"))
    ranks = {(row.hs6, row.origin): row.rank for row in report.rows}
    for pair in sorted(sample.planted):
        print("planted", *pair, "rank", ranks.get(pair))


def _under_invoiced_csv(planted: dict[tuple[str, str], float]) -> None:
    """The validation quarter in its own layout, the planted pairs' item prices lowered as the generator did."""
    with VALID.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    for row in rows:
        share = planted.get((row["HS6 Code"], row["Country of Origin"]))
        if share is not None:
            row["Item Price"] = str(round(float(row["Item Price"]) * share, 2))
    with (SAMPLE / "declarations.csv").open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
