"""Seeded synthetic streams (passenger records, container events) with planted risks and their ground truth."""

from portcullis.shared.synthetic.containers import generate_containers
from portcullis.shared.synthetic.passengers import generate_passengers
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow, write_truth_csv

__all__ = ["PlantedKind", "Synthetic", "TruthRow", "generate_containers", "generate_passengers", "write_truth_csv"]
