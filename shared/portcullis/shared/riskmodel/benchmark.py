"""Scoring throughput with and without explanations (the cost of reasons), on the validation quarter.

Run with `python -m portcullis.shared.riskmodel.benchmark MODEL_DIR VALID_CSV [BATCH]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.riskmodel.model import RiskModel, load_model
from portcullis.shared.schemas import Declaration, Lane


def throughput(
    model: RiskModel, declarations: list[Declaration], batch: int, explain: Lane | None, repeats: int = 3
) -> float:
    """Best-of-`repeats` declarations per CPU second, assessing in batches of `batch`.

    CPU time of this process, not wall time: the figure stays meaningful on a machine shared with others.
    """
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for start in range(0, len(declarations), batch):
            model.assess(declarations[start : start + batch], explain_min_lane=explain)
        best = min(best, time.process_time() - started)
    return len(declarations) / best


def run(model_dir: Path, csv_path: Path, batch: int = 1000) -> dict[str, float]:
    """Rows per second without explanations, with yellow/red explained, and with every row explained."""
    model = load_model(model_dir)
    declarations = list(items_to_declarations(read_items_csv(csv_path).items))
    model.assess(declarations[:10])  # warm caches, as the service does before it reports ready
    result = {
        "batch": float(batch),
        "rows_per_s_no_reasons": throughput(model, declarations, batch, None),
        "rows_per_s_reasons_yellow_red": throughput(model, declarations, batch, Lane.YELLOW),
        "rows_per_s_reasons_all": throughput(model, declarations, batch, Lane.GREEN),
    }
    model.exact_reasons = True
    result["rows_per_s_treeshap_reasons_yellow_red"] = throughput(model, declarations, batch, Lane.YELLOW)
    no_reasons = result["rows_per_s_no_reasons"]
    result["overhead_yellow_red"] = no_reasons / result["rows_per_s_reasons_yellow_red"] - 1
    result["overhead_treeshap_yellow_red"] = no_reasons / result["rows_per_s_treeshap_reasons_yellow_red"] - 1
    return result


if __name__ == "__main__":
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    for key, value in run(Path(sys.argv[1]), Path(sys.argv[2]), size).items():
        sys.stdout.write(f"{key}: {value:,.3f}\n")
