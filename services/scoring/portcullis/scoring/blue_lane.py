"""The blue lane for declarations: release now, audit after clearance, for good-record importers in the blue band.

A declaration goes blue when all of these hold (else it keeps the lane the policy gave, yellow):
- its score alone made it yellow: no rule or watchlist said anything about it (no forced lane, no score added, no
  weak hit), and no earlier selection above blue stands (an amendment after selection);
- its score is in the blue band: at or above the yellow threshold and below the score above which the top
  `red_rate + yellow_rate - band_rate` of the model's reference distribution lies (the lowest yellow scores);
- its importer has a good record in the model's own history: at least `min_inspections` inspected declarations,
  a share found fraudulent no higher than `max_fraud_rate` (the counts the model's importer encoding learned from);
- the blue lane's capacity share is not used up: each declaration decided adds `capacity_rate` of a place, a blue
  one takes a whole place, so at most `capacity_rate` of the declarations this process decides go blue (with a
  saving of at most `_SAVED_DECISIONS` declarations' worth). Beyond the cap the declaration stays yellow.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from portcullis.scoring.metrics import BLUE_CAPPED
from portcullis.shared.riskmodel import LaneThresholds
from portcullis.shared.schemas import Lane

#: How many declarations' worth of unused blue places may be saved up (a quiet morning cannot fill an afternoon).
_SAVED_DECISIONS = 1000


@dataclass(frozen=True, slots=True)
class BlueLaneSettings:
    """How a deployment configures the blue lane (`band_rate` 0 switches it off)."""

    band_rate: float = 0.0
    capacity_rate: float = 0.02
    min_inspections: int = 5
    max_fraud_rate: float = 0.0


def band_ceiling(thresholds: LaneThresholds, band_rate: float) -> float:
    """The score below which a yellow score is in the blue band: the lowest `band_rate` of the reference scores above
    the yellow threshold (at most the red threshold)."""
    if band_rate <= 0:
        return thresholds.yellow
    upper_share = thresholds.red_rate + thresholds.yellow_rate - band_rate
    if upper_share <= thresholds.red_rate:
        return thresholds.red
    probabilities = np.linspace(0.0, 1.0, len(thresholds.quantiles))
    ceiling = float(np.interp(1.0 - upper_share, probabilities, thresholds.quantiles))
    return min(max(ceiling, thresholds.yellow), thresholds.red)


def good_record_importers(
    histories: Mapping[str, list[int]], min_inspections: int, max_fraud_rate: float
) -> dict[str, int]:
    """The importers whose inspected declarations number at least `min_inspections`, few enough found fraudulent,
    with their number of inspections."""
    return {
        importer: inspections
        for importer, (inspections, frauds) in histories.items()
        if inspections >= min_inspections and frauds <= max_fraud_rate * inspections
    }


class BlueCapacity:
    """The blue lane's capacity share: places accrue per declaration decided, a blue declaration takes one."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._places = 0.0
        self._most = max(1.0, rate * _SAVED_DECISIONS)

    def decided(self) -> None:
        """One more declaration decided: its share of a blue place accrues."""
        self._places = min(self._most, self._places + self.rate)

    def take(self) -> bool:
        """Take a blue place if one is free."""
        if self._places >= 1.0:
            self._places -= 1.0
            return True
        return False


class BlueLane:
    """One model's blue band and good-record importers, and the process's blue capacity (kept across models)."""

    def __init__(self, settings: BlueLaneSettings) -> None:
        self.settings = settings
        self.capacity = BlueCapacity(settings.capacity_rate)
        self._model_version: str | None = None
        self._ceiling = 0.0
        self._good: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.settings.band_rate > 0 and self.settings.capacity_rate > 0

    def use_model(self, version: str, thresholds: LaneThresholds, importer_history: Mapping[str, list[int]]) -> None:
        """Take the band and the good records of the model that scores the batch (once per model version)."""
        if version == self._model_version:
            return
        settings = self.settings
        self._ceiling = band_ceiling(thresholds, settings.band_rate)
        self._good = good_record_importers(importer_history, settings.min_inspections, settings.max_fraud_rate)
        self._model_version = version

    @property
    def ceiling(self) -> float:
        """The score below which a yellow score is in the band (for the current model)."""
        return self._ceiling

    def has_good_record(self, importer_id: str) -> bool:
        """Whether the importer's history in the current model is a good record."""
        return importer_id in self._good

    def lane(
        self, lane: Lane, score_lane: Lane, score: float, importer_id: str, flagged: bool, earlier: Lane | None
    ) -> Lane:
        """Blue for a declaration its score alone made yellow (`flagged`: a rule or watchlist gave a reason), in the
        band, by a good-record importer, within the capacity share; `lane` otherwise. Call once per declaration
        decided, in order (the capacity counts them)."""
        self.capacity.decided()
        if lane is not Lane.YELLOW or score_lane is not Lane.YELLOW or flagged or score >= self._ceiling:
            return lane
        if earlier is not None and earlier.strictness > Lane.BLUE.strictness:
            return lane
        if importer_id not in self._good:
            return lane
        if not self.capacity.take():
            BLUE_CAPPED.inc()
            return lane
        return Lane.BLUE

    def reason(self, importer_id: str) -> dict[str, Any]:
        """The reason a blue declaration carries (in the decision's JSON form)."""
        text = (
            f"released for post-clearance audit: the score is in the blue band (below {self._ceiling:.2f}) and the "
            f"importer has a good record ({self._good.get(importer_id, 0)} earlier inspections, "
            f"at most {self.settings.max_fraud_rate:.0%} found fraudulent)"
        )
        return {"kind": "model", "text": text, "code": "blue_lane", "weight": None}
