"""The gap table scoring's rules test: per origin x HS6, how far the declared unit value falls short of what partner
countries report, computed like the mirror report (`report.py`) and published on the compacted `mirror-gaps` topic.

The table covers the last `gap_months` months up to the latest month partners reported (a year's record counts as
its December). It is published after an import that changed the dataset and every `gaps_every_s`: the gap records
first, then the record naming their version (see `portcullis.shared.schemas.mirror`), so scoring switches to a
new table whole. Only pairs with both sides and every month's rate get a record: scoring's field is null for the
others, and a rule on it does not fire.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson
import pyarrow.compute as pc

from portcullis.analytics.mirror.rates import load_rates
from portcullis.analytics.mirror.report import MirrorGroup, MirrorRow, mirror_report
from portcullis.analytics.mirror.settings import MirrorSettings
from portcullis.analytics.mirror.store import MirrorStore
from portcullis.analytics.reports.period import Period
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.mirror import VERSION_KEY, MirrorGap, MirrorGapVersion, gap_key
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

#: The most rows the report computes for the table (every origin x HS6 of a year fits many times over).
_ALL_ROWS = 10_000_000


@dataclass(frozen=True)
class GapTable:
    """A computed gap table: its period, its version (a digest of its content) and its gaps."""

    period: Period
    version: str
    gaps: list[MirrorGap]


def gap_period(store: MirrorStore, country: str, months: int) -> Period | None:
    """The last `months` months up to the latest month partners reported exports to `country`; None without any."""
    if not store.exists():
        return None
    table = store.read_table()
    exports = table.filter(pc.and_(pc.equal(table["partner"], country), pc.equal(table["flow"], "X")))
    if exports.num_rows == 0:
        return None
    latest = str(pc.max(exports["period"]).as_py())
    # YYYYMM sorts after YYYY of the same year; a year's record ends in its December.
    year, month = int(latest[:4]), int(latest[4:6]) if len(latest) == 6 else 12
    after = date(year + month // 12, month % 12 + 1, 1)
    start_index = year * 12 + month - 1 - (months - 1)
    first = date(start_index // 12, start_index % 12 + 1, 1)
    return Period(first, after - timedelta(days=1))


def compute_gaps(layout: StoreLayout, store: MirrorStore, settings: MirrorSettings) -> GapTable | None:
    """The gap table of the dataset and the stored declarations; None when no partner record is stored."""
    period = gap_period(store, settings.country, settings.gap_months)
    if period is None:
        return None
    rates = load_rates(settings.rates_path, settings.declared_currency)
    with connect(layout) as connection:
        report = mirror_report(
            connection,
            store,
            period,
            MirrorGroup.PAIR,
            country=settings.country,
            rates=rates,
            cif_fob_factor=settings.cif_fob_factor,
            limit=_ALL_ROWS,
            drill_down=0,
        )
    rows = sorted((row for row in report.rows if _comparable(row)), key=lambda row: (row.origin, row.hs6))
    # The digest of coarsely rounded figures: DuckDB's parallel sums differ in their last bits from run to run.
    content = orjson.dumps([[row.origin, row.hs6, _rounded(row.unit_value_ratio, 3), _rounded(row.value_gap_usd, 0)]
                            for row in rows])  # fmt: skip
    digest = hashlib.sha256(period.first.isoformat().encode() + content).hexdigest()[:12]
    version = f"{period.first:%Y%m}-{period.last:%Y%m}-{digest}"
    gaps = [_gap(row, version, period) for row in rows]
    return GapTable(period, version, gaps)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _comparable(row: MirrorRow) -> bool:
    return row.declarations > 0 and row.partner_value_usd > 0 and row.value_gap_usd is not None


def _gap(row: MirrorRow, version: str, period: Period) -> MirrorGap:
    assert row.value_gap_usd is not None
    ratio = row.unit_value_ratio
    return MirrorGap(
        version=version,
        origin=row.origin,
        hs6=row.hs6,
        unit_value_gap=None if ratio is None else round(1.0 - ratio, 4),
        value_gap_usd=row.value_gap_usd,
        partner_unit_value_usd=None if row.partner_unit_value is None else round(row.partner_unit_value, 4),
        declared_unit_value_usd=None if row.declared_unit_value is None else round(row.declared_unit_value, 4),
        period_from=period.first.isoformat(),
        period_to=period.last.isoformat(),
    )


def gap_messages(kafka: KafkaSettings, table: GapTable) -> list[Message]:
    """The table's records: every gap, then the version record."""
    topic = kafka.topic("mirror-gaps")
    messages = [
        Message(topic, gap_key(gap.origin, gap.hs6), orjson.dumps(gap.model_dump(mode="json"))) for gap in table.gaps
    ]
    version = MirrorGapVersion(
        version=table.version,
        pairs=len(table.gaps),
        period_from=table.period.first.isoformat(),
        period_to=table.period.last.isoformat(),
        published_at=datetime.now(UTC),
    )
    messages.append(Message(topic, VERSION_KEY, orjson.dumps(version.model_dump(mode="json"))))
    return messages


class GapPublisher:
    """Computes and publishes the gap table; one publication at a time."""

    def __init__(self, layout: StoreLayout, store: MirrorStore, settings: MirrorSettings, kafka: KafkaSettings) -> None:
        self._layout = layout
        self._store = store
        self._settings = settings
        self._kafka = kafka
        self._publisher = Publisher(kafka)
        self._lock = asyncio.Lock()

    async def publish(self) -> GapTable | None:
        """Compute the table and publish it (acknowledged); None when there is nothing to compare yet."""
        async with self._lock:
            table = await asyncio.to_thread(compute_gaps, self._layout, self._store, self._settings)
            if table is None:
                return None
            await self._publisher.publish(gap_messages(self._kafka, table))
            log.info("mirror_gaps_published", version=table.version, pairs=len(table.gaps))
            return table

    async def publish_periodically(self) -> None:
        """Publish every `gaps_every_s` (the declared side changes as declarations arrive), from the start."""
        while True:
            try:
                await self.publish()
            except Exception as error:  # a failed run is logged and tried again at the next one
                log.error("mirror_gaps_failed", error=type(error).__name__)
            await asyncio.sleep(self._settings.gaps_every_s)

    async def close(self) -> None:
        """Close the producer."""
        await self._publisher.close()
