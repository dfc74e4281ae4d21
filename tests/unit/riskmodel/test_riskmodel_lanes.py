"""Lane thresholds from inspection capacity."""

import numpy as np
import pytest

from portcullis.shared.riskmodel import LaneThresholds
from portcullis.shared.riskmodel.lanes import reference_quantiles
from portcullis.shared.schemas import Lane

UNIFORM = reference_quantiles(np.linspace(0.0, 1.0, 100_001))


def test_default_rates_send_the_top_5_percent_to_red_and_the_next_10_to_yellow() -> None:
    thresholds = LaneThresholds.from_quantiles(UNIFORM)
    assert thresholds.red == pytest.approx(0.95)
    assert thresholds.yellow == pytest.approx(0.85)
    assert thresholds.lane_for(0.96) is Lane.RED
    assert thresholds.lane_for(0.90) is Lane.YELLOW
    assert thresholds.lane_for(0.50) is Lane.GREEN


def test_with_rates_recomputes_cut_offs_from_the_stored_distribution() -> None:
    thresholds = LaneThresholds.from_quantiles(UNIFORM).with_rates(0.01, 0.04)
    assert (thresholds.red, thresholds.yellow) == (pytest.approx(0.99), pytest.approx(0.95))
    assert (thresholds.red_rate, thresholds.yellow_rate) == (0.01, 0.04)


def test_zero_red_rate_never_gives_red() -> None:
    thresholds = LaneThresholds.from_quantiles(UNIFORM, red_rate=0.0, yellow_rate=0.1)
    assert thresholds.lane_for(1.0) is Lane.YELLOW


@pytest.mark.parametrize(("red", "yellow"), [(-0.1, 0.1), (0.6, 0.6), (0.05, 1.5)])
def test_impossible_rates_are_refused(red: float, yellow: float) -> None:
    with pytest.raises(ValueError, match="lane rates"):
        LaneThresholds.from_quantiles(UNIFORM, red, yellow)
