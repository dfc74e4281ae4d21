"""Seeded synthetic streams (passenger records, container events, version-2 declarations) with planted risks and
their ground truth."""

from portcullis.shared.synthetic.containers import generate_containers
from portcullis.shared.synthetic.declarations import generate_declarations
from portcullis.shared.synthetic.passengers import generate_passengers
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow, write_truth_csv

__all__ = [
    "PlantedKind",
    "Synthetic",
    "TruthRow",
    "generate_containers",
    "generate_declarations",
    "generate_passengers",
    "write_truth_csv",
]
