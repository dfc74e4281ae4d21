"""Scoring's own metrics (the Kafka and HTTP ones come from portcullis.shared.metrics)."""

from prometheus_client import Counter, Gauge, Histogram

DECISIONS = Counter("portcullis_decisions_total", "Decisions produced", ["stream", "lane"])
RANDOM_SELECTIONS = Counter("portcullis_random_selections_total", "Would-be-green items sent to inspection", ["stream"])
SCORING_SECONDS = Histogram(
    "portcullis_scoring_seconds",
    "Model time per batch (features, prediction, explanations)",
    ["stream"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
DECISION_LATENCY = Histogram(
    "portcullis_decision_latency_seconds",
    "From ingest's acceptance (broker timestamp) to the decision",
    ["stream"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
MODEL_INFO = Gauge("portcullis_model_info", "The model version in use (value 1)", ["version"])
SCORE = Histogram(
    "portcullis_model_score",
    "Distribution of model scores (drift against training)",
    ["model_version"],
    buckets=tuple(i / 20 for i in range(1, 21)),
)
SCORE_PSI = Gauge(
    "portcullis_model_score_psi",
    "Population stability index of the recent scores against the model's reference (training) distribution",
    ["model_version"],
)
SCORE_PSI_SAMPLE = Gauge(
    "portcullis_model_score_psi_sample_size", "Scores in the window the PSI is computed on", ["model_version"]
)
LIST_MESSAGES = Counter(
    "portcullis_watchlist_messages_applied_total",
    "Watchlist topic messages applied (entry, rule) or rejected",
    ["kind"],
)
LIST_APPLY_LAG = Histogram(
    "portcullis_watchlist_apply_lag_seconds",
    "From a watchlist or rule change's publication (broker timestamp) to scoring applying it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0),
)
SELECTIVITY_HITS = Counter(
    "portcullis_selectivity_hits_total", "Rule and watchlist hits on scored items", ["stream", "kind"]
)
LIST_SIZE = Gauge("portcullis_watchlist_size", "Live watchlist entries and rules scoring holds", ["kind"])
