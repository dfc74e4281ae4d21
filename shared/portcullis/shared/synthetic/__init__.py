"""Seeded synthetic streams (passenger records, container events, version-2 declarations with planted risks;
clearance timelines) and their ground truth."""

from portcullis.shared.synthetic.clearance import (
    ClearanceTimelines,
    StageTruth,
    generate_clearance,
    simulate_lanes,
    write_clearance_truth_csv,
)
from portcullis.shared.synthetic.containers import generate_containers
from portcullis.shared.synthetic.declarations import generate_declarations
from portcullis.shared.synthetic.passengers import generate_passengers
from portcullis.shared.synthetic.truth import PlantedKind, Synthetic, TruthRow, write_truth_csv

__all__ = [
    "ClearanceTimelines",
    "PlantedKind",
    "StageTruth",
    "Synthetic",
    "TruthRow",
    "generate_clearance",
    "generate_containers",
    "generate_declarations",
    "generate_passengers",
    "simulate_lanes",
    "write_clearance_truth_csv",
    "write_truth_csv",
]
