"""The model under test of a model backtest: a version of the model registry that scoring uses, loaded read-only,
with the lane thresholds scoring gives it."""

from dataclasses import dataclass
from pathlib import Path

from portcullis.shared.lanes import ScoreLanes
from portcullis.shared.riskmodel import ArtifactError, RegistryError, RiskModel
from portcullis.shared.riskmodel.registry import ModelRegistry
from portcullis.shared.schemas import Declaration


class ModelNotFoundError(Exception):
    """The registry has no such model version."""


class ModelUnusableError(Exception):
    """The model version cannot score the stored declarations (its features cannot be computed from them)."""


@dataclass(frozen=True)
class ModelUnderTest:
    """A loaded model version and the thresholds its scores get lanes by."""

    model: RiskModel
    thresholds: ScoreLanes

    @property
    def version(self) -> str:
        """The model version."""
        return self.model.version


def load_model_under_test(
    registry_root: Path, version: str, red_rate: float | None = None, yellow_rate: float | None = None
) -> ModelUnderTest:
    """Load `version` and check it scores a declaration; `red_rate`/`yellow_rate` set the lane rates as scoring's
    `expected_*_rate` settings do (None keeps the model's own)."""
    registry = ModelRegistry(registry_root)
    try:
        model = registry.load(version)
    except RegistryError:
        raise ModelNotFoundError(f"no model version {version!r} in the model registry") from None
    except (ArtifactError, KeyError, ValueError) as error:
        # The serving encoder computes only features it knows from a declaration: an unknown one fails here.
        raise ModelUnusableError(f"model version {version!r} cannot be loaded for scoring: {error}") from None
    try:
        model.score_declarations([_example_declaration()])
    except (KeyError, ValueError) as error:
        raise ModelUnusableError(f"model version {version!r} cannot score a stored declaration: {error}") from None
    thresholds = model.thresholds
    if red_rate is not None or yellow_rate is not None:
        thresholds = thresholds.with_rates(
            red_rate if red_rate is not None else thresholds.red_rate,
            yellow_rate if yellow_rate is not None else thresholds.yellow_rate,
        )
    return ModelUnderTest(model, ScoreLanes(yellow=thresholds.yellow, red=thresholds.red))


def _example_declaration() -> Declaration:
    example = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return Declaration.model_validate(example)
