"""The model in use: loaded from the registry, warmed, and swapped between batches when a new one is published."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from portcullis.scoring.metrics import MODEL_INFO
from portcullis.shared.logging import get_logger
from portcullis.shared.memory import release_replaced
from portcullis.shared.riskmodel import LaneThresholds, ModelRegistry, RiskModel
from portcullis.shared.schemas import Declaration

log = get_logger(__name__)


@dataclass(frozen=True)
class ActiveModel:
    """A loaded model with the lane thresholds of this deployment."""

    model: RiskModel
    thresholds: LaneThresholds

    @property
    def version(self) -> str:
        return self.model.version


class ModelHolder:
    """Holds the current model; scoring reads `current` once per batch, so a swap never splits a batch."""

    def __init__(
        self, registry_root: Path, red_rate: float | None, yellow_rate: float | None, warm_up: Declaration
    ) -> None:
        self._registry = ModelRegistry(registry_root)
        self._red_rate = red_rate
        self._yellow_rate = yellow_rate
        self._warm_up = warm_up
        self.current: ActiveModel | None = None
        #: A shadow model: scored on every batch and recorded in the decision, never setting the lane.
        self.challenger: ActiveModel | None = None

    def _load(self, version: str) -> ActiveModel:
        model = self._registry.load(version)
        thresholds = model.thresholds
        if self._red_rate is not None or self._yellow_rate is not None:
            thresholds = thresholds.with_rates(
                self._red_rate if self._red_rate is not None else thresholds.red_rate,
                self._yellow_rate if self._yellow_rate is not None else thresholds.yellow_rate,
            )
        model.assess([self._warm_up])  # the first real batch must not pay for lazy initialisation
        return ActiveModel(model, thresholds)

    async def refresh(self) -> bool:
        """Load the published (and challenger) version if either changed; return whether the current one did."""
        await self._refresh_challenger()
        version = self._registry.current_version()
        if version is None or (self.current is not None and self.current.version == version):
            return False
        active = await asyncio.to_thread(self._load, version)
        previous = self.current.version if self.current else None
        self.current = active
        MODEL_INFO.clear()
        MODEL_INFO.labels(version).set(1)
        log.info("model_activated", version=version, previous=previous)
        if previous is not None:
            release_replaced()  # the old model was frozen with the start-up objects: parts of it sit in cycles
        return True

    async def _refresh_challenger(self) -> None:
        version = self._registry.challenger_version()
        if version is None:
            if self.challenger is not None:
                log.info("challenger_removed", version=self.challenger.version)
                self.challenger = None
                release_replaced()
        elif self.challenger is None or self.challenger.version != version:
            replaced = self.challenger is not None
            self.challenger = await asyncio.to_thread(self._load, version)
            log.info("challenger_activated", version=version)
            if replaced:
                release_replaced()

    async def follow(self, poll_s: float) -> None:
        """Poll the registry until cancelled; a broken new version leaves the old one serving."""
        while True:
            await asyncio.sleep(poll_s)
            try:
                await self.refresh()
            except Exception as error:  # a half-written or corrupt artifact must not stop scoring
                log.exception("model_refresh_failed", error=type(error).__name__)
