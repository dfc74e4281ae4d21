"""Observing a batch of amounts at once gives the histogram that observing them one at a time gives."""

import math
import random

import pytest
from prometheus_client import CollectorRegistry, Histogram

from portcullis.shared.metrics import observe_many

BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 5.0)


def _histogram(name: str) -> Histogram:
    return Histogram(name, name, ["stream"], buckets=BUCKETS, registry=CollectorRegistry())


def _samples(histogram: Histogram) -> dict[str, float]:
    samples = (sample for metric in histogram.collect() for sample in metric.samples)
    return {f"{s.name}{sorted(s.labels.items())}": s.value for s in samples if not s.name.endswith("_created")}


def test_a_batch_observed_at_once_equals_it_observed_one_at_a_time() -> None:
    rng = random.Random(7)
    # On the bounds, between them, above the last, and zero.
    amounts = [*BUCKETS, 0.0, 7.5, *(rng.uniform(0, 6) for _ in range(500))]
    one, many = _histogram("one"), _histogram("many")
    for amount in amounts:
        one.labels("declaration").observe(amount)
    observe_many(many.labels("declaration"), amounts[:300])
    observe_many(many.labels("declaration"), amounts[300:])
    observe_many(many.labels("declaration"), [])

    expected = {name.replace("one", "many", 1): value for name, value in _samples(one).items()}
    actual = _samples(many)
    assert expected.keys() == actual.keys()
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value, rel=1e-12), name


def test_nan_counts_in_no_bucket_as_with_observe() -> None:
    one, many = _histogram("one"), _histogram("many")
    one.labels("x").observe(math.nan)
    observe_many(many.labels("x"), [math.nan])
    buckets = {name: value for name, value in _samples(many).items() if "_bucket" in name or "_count" in name}
    assert buckets
    assert set(buckets.values()) == {0.0}
    assert {v for n, v in _samples(one).items() if "_bucket" in n or "_count" in n} == {0.0}
