"""What every report takes: a period of whole days and a grouping."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last` (UTC), both days included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first moment of the period."""
        return datetime.combine(self.first, time.min, UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, UTC)


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default); None without trials."""
    if trials <= 0:
        return None
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * ((share * (1 - share) / trials + z * z / (4 * trials * trials)) ** 0.5) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when whole is 0."""
    return part / whole if whole else None


def stratified_estimate(
    strata: list[tuple[int, int, int]], z: float = 1.959963984540054
) -> tuple[float, float, float] | None:
    """A proportion over strata of (size, sampled, hits): each stratum's sample rate weighted by its size, with a
    normal 95% interval from the strata's variances; None when a stratum with members has no sample."""
    population = sum(size for size, _, _ in strata)
    if population <= 0:
        return None
    estimate = variance = 0.0
    for size, sampled, hits in strata:
        if size <= 0:
            continue
        if sampled <= 0:
            return None
        share, weight = hits / sampled, size / population
        estimate += weight * share
        variance += weight * weight * share * (1 - share) / sampled
    half = z * variance**0.5
    return estimate, max(0.0, estimate - half), min(1.0, estimate + half)
