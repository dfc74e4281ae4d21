"""The risk model: one feature pipeline for training and serving, LightGBM scoring, lanes, reasons, registry."""

from portcullis.shared.riskmodel.csvdata import CsvFormatError, read_items_csv
from portcullis.shared.riskmodel.lanes import LaneThresholds
from portcullis.shared.riskmodel.model import ArtifactError, ModelAssessment, RiskModel, load_model
from portcullis.shared.riskmodel.registry import ModelRegistry, RegistryError
from portcullis.shared.riskmodel.training import TrainingConfig, train_model

__all__ = [
    "ArtifactError",
    "CsvFormatError",
    "LaneThresholds",
    "ModelAssessment",
    "ModelRegistry",
    "RegistryError",
    "RiskModel",
    "TrainingConfig",
    "load_model",
    "read_items_csv",
    "train_model",
]
