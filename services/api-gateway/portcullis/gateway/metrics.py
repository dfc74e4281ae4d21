"""The gateway's Prometheus metrics (the shared HTTP and consumer metrics come from portcullis.shared)."""

from prometheus_client import Counter, Gauge, Histogram

_STORAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

DECISIONS_STORED = Counter(
    "portcullis_gateway_decisions_stored_total", "Decisions stored for the first time", ["stream", "lane"]
)
RECEIPT_TO_STORAGE = Histogram(
    "portcullis_gateway_receipt_to_storage_seconds",
    "Time from ingest's receipt of an item to its decision being committed in the store",
    ["stream"],
    buckets=_STORAGE_BUCKETS,
)
OUTCOMES_RECORDED = Counter(
    "portcullis_gateway_outcomes_total",
    "Inspection outcomes recorded, by the decision's lane and the result",
    ["lane", "result"],
)
OUTCOMES_UNPUBLISHED = Gauge(
    "portcullis_gateway_outcomes_unpublished", "Outcomes stored but not yet acknowledged by Kafka"
)
LIVE_CLIENTS = Gauge("portcullis_gateway_live_clients", "Clients following decisions live (this process)")
LIVE_DISCONNECTS = Counter(
    "portcullis_gateway_live_disconnects_total", "Live streams the server ended, by reason", ["reason"]
)
OVERRIDES = Counter(
    "portcullis_gateway_overrides_total",
    "Lane overrides by supervisors, by stream, the lane before and the lane set",
    ["stream", "from_lane", "to_lane"],
)
OVERRIDES_KEPT = Counter(
    "portcullis_gateway_overrides_kept_total",
    "Amendments from scoring of an overridden decision (the override's lane stood), by stream",
    ["stream"],
)
OVERRIDES_UNPUBLISHED = Gauge(
    "portcullis_gateway_overrides_unpublished", "Overrides stored but not yet acknowledged by Kafka"
)
REVIEWS = Counter(
    "portcullis_gateway_reviews_total",
    "Analysts' verdicts on possible matches, by verdict, list and match-score band (confirmation rate per list and "
    "threshold band: confirmed / (confirmed + dismissed))",
    ["verdict", "list", "band"],
)
REVIEW_SECONDS = Histogram(
    "portcullis_gateway_review_seconds",
    "Time from scoring's decision to an analyst's verdict on its possible match",
    ["verdict"],
    buckets=(60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600),
)
REVIEWS_UNPUBLISHED = Gauge(
    "portcullis_gateway_reviews_unpublished", "Review verdicts stored but not yet acknowledged by Kafka"
)
