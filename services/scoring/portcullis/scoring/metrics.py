"""Scoring's own metrics (the Kafka and HTTP ones come from portcullis.shared.metrics)."""

import collections
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

from portcullis.shared.metrics import observe_many

DECISIONS = Counter("portcullis_decisions_total", "Decisions produced", ["stream", "lane"])
RANDOM_SELECTIONS = Counter("portcullis_random_selections_total", "Would-be-green items sent to inspection", ["stream"])
BLUE_CAPPED = Counter(
    "portcullis_blue_lane_capped_total", "Declarations that qualified for blue but stayed yellow: blue capacity used up"
)
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
UNKNOWN_FIELDS_IGNORED = Counter(
    "portcullis_scoring_unknown_fields_ignored_total",
    "Fields of consumed records this scoring does not know (a newer producer), ignored rather than dead-lettered",
    ["schema"],
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
LIST_DOCUMENTS_REJECTED = Counter(
    "portcullis_list_documents_rejected_total",
    "Watchlist topic documents scoring could not apply (malformed, or a rule over the limits): each removes the "
    "earlier version of its entry or rule",
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
POSSIBLE_MATCHES = Counter(
    "portcullis_possible_matches_total",
    "Possible matches held for an analyst's review (pending) or left out as dismissed before (suppressed)",
    ["stream", "outcome"],
)
REVIEWS_APPLIED = Counter(
    "portcullis_scoring_reviews_applied_total", "Review verdicts read from the reviews topic", ["verdict"]
)
LIST_SIZE = Gauge("portcullis_watchlist_size", "Live watchlist entries and rules scoring holds", ["kind"])
PARTY_CACHE_ENTRIES = Gauge(
    "portcullis_party_screening_cache_entries", "Declaration parties' name screenings kept for the current watchlist"
)
PARTY_CACHE_BYTES = Gauge(
    "portcullis_party_screening_cache_bytes", "Estimated memory of the kept party name screenings, in bytes"
)
PARTY_CACHE_LOOKUPS = Counter(
    "portcullis_party_screening_cache_lookups_total", "Party name screenings found kept (hit) or run (miss)", ["result"]
)


class Observed(Protocol):
    """What the decision metrics read of a decision (a Decision, or the declaration pipeline's plain record)."""

    @property
    def lane(self) -> str: ...

    @property
    def random_selection(self) -> bool: ...

    @property
    def received_at(self) -> datetime: ...


def observe_decisions(stream: str, decisions: Sequence[Observed]) -> None:
    """Count a batch's decisions per lane and random draws, and observe each one's latency since receipt."""
    # Label lookups once per batch; only the histogram takes each decision.
    now = time.time()
    for lane, count in collections.Counter(decision.lane for decision in decisions).items():
        DECISIONS.labels(stream, lane).inc(count)
    RANDOM_SELECTIONS.labels(stream).inc(sum(decision.random_selection for decision in decisions))
    latencies = [max(0.0, now - decision.received_at.timestamp()) for decision in decisions]
    observe_many(DECISION_LATENCY.labels(stream), latencies)
