"""Headline figures of the reports as Prometheus gauges, computed every few minutes over the last N days."""

import asyncio
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge

from portcullis.analytics.reports.performance import PerformanceGroup, performance_report
from portcullis.analytics.reports.period import Period
from portcullis.analytics.reports.time_release import TimeReleaseGroup, time_release_report
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect
from portcullis.shared.logging import get_logger

log = get_logger(__name__)

_WINDOW = "over the last PORTCULLIS_ANALYTICS_METRICS_WINDOW_DAYS days (declarations)"
HIT_RATE = Gauge("portcullis_report_hit_rate", f"Hits per inspection {_WINDOW}", ["selection"])
NON_COMPLIANCE = Gauge(
    "portcullis_report_non_compliance_estimate",
    f"Estimated share of non-compliant declarations (strata: random selections, blue, yellow, red) and its 95% "
    f"interval {_WINDOW}",
    ["bound"],
)
TARGETING_LIFT = Gauge("portcullis_report_targeting_lift", f"Hit rate of risk selection over random {_WINDOW}")
REVENUE = Gauge("portcullis_report_revenue_recovered", f"Revenue recovered by inspections {_WINDOW}")
SEIZURES = Gauge("portcullis_report_seizures", f"Inspections that seized goods {_WINDOW}")
RELEASE_HOURS = Gauge("portcullis_report_release_hours", f"Arrival-to-release time in hours {_WINDOW}", ["statistic"])
WITHIN_TARGET = Gauge(
    "portcullis_report_released_within_target_ratio", f"Share released within the release target {_WINDOW}"
)
REFRESHED = Gauge("portcullis_report_refreshed_timestamp_seconds", "When the headline figures were last computed")


def refresh_headline_metrics(layout: StoreLayout, settings: AnalyticsSettings, today: datetime | None = None) -> None:
    """Compute the headline figures over the window and set the gauges."""
    last = (today or datetime.now(UTC)).date()
    period = Period(last - timedelta(days=settings.metrics_window_days - 1), last)
    with connect(layout) as connection:
        performance = performance_report(connection, period, PerformanceGroup.ALL).total
        release = time_release_report(connection, period, TimeReleaseGroup.ALL, settings.release_target_hours).total
    rates = {
        "all": performance.hit_rate,
        "random": performance.random_hit_rate,
        "targeted": performance.targeted_hit_rate,
        "red": performance.red_precision,
        "blue": performance.blue_hit_rate,  # post-clearance audits of blue declarations
    }
    for selection, rate in rates.items():
        HIT_RATE.labels(selection).set(rate if rate is not None else float("nan"))
    bounds = {
        "estimate": performance.non_compliance_estimate,
        "low": performance.non_compliance_low,
        "high": performance.non_compliance_high,
    }
    for bound, value in bounds.items():
        NON_COMPLIANCE.labels(bound).set(value if value is not None else float("nan"))
    TARGETING_LIFT.set(performance.targeting_lift if performance.targeting_lift is not None else float("nan"))
    REVENUE.set(performance.revenue_recovered)
    SEIZURES.set(performance.seizures)
    end_to_end = next(stage for stage in release.stages if stage.stage == "end_to_end")
    for statistic, value in (
        ("mean", end_to_end.mean_hours),
        ("median", end_to_end.median_hours),
        ("p90", end_to_end.p90_hours),
    ):
        RELEASE_HOURS.labels(statistic).set(value if value is not None else float("nan"))
    share = release.share_within_target
    WITHIN_TARGET.set(share if share is not None else float("nan"))
    REFRESHED.set_to_current_time()


async def refresh_periodically(layout: StoreLayout, settings: AnalyticsSettings) -> None:
    """Refresh the headline figures every `metrics_refresh_s` (a failure is logged and retried next time)."""
    while True:
        try:
            await asyncio.to_thread(refresh_headline_metrics, layout, settings)
        except Exception as error:
            log.warning("headline_metrics_failed", error=type(error).__name__)
        await asyncio.sleep(settings.metrics_refresh_s)
