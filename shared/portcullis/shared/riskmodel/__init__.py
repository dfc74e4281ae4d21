"""The risk model: one feature pipeline for training and serving, LightGBM scoring, lanes, reasons, registry.

Serving (what scoring imports; exported here): `model`, `serving`, `features`, `frame`, `explain`, `pathcontrib`,
`lanes`, `registry`. Offline tooling, imported by name and never by scoring: `training`, `evaluation`, `report`,
`ablation`, `feedback`, `benchmark`, `csvdata` (the training data's CSV).
"""

from portcullis.shared.riskmodel.lanes import LaneThresholds
from portcullis.shared.riskmodel.model import ArtifactError, ModelAssessment, RiskModel, load_model
from portcullis.shared.riskmodel.registry import ModelRegistry, RegistryError

__all__ = [
    "ArtifactError",
    "LaneThresholds",
    "ModelAssessment",
    "ModelRegistry",
    "RegistryError",
    "RiskModel",
    "load_model",
]
