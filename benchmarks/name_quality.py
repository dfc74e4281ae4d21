"""Name-matching quality on the tuning and the held-out pairs in one run, this code against an earlier commit.

Tuning pairs (`tests/data/name_pairs.csv`): per category, what is lost at the 0.85 threshold (misses of matches,
hits of non-matches) and each category's AUC against the other side pooled, so that the categories that lose
most show. Held-out pairs (`data/name-pairs-heldout/pairs.csv`): AUC and recall at 5% false positives per category
(`benchmarks.heldout_pairs.report`); only reported, nothing is chosen on them.

The earlier code is the screening package of a git revision, copied to a temporary folder and imported under
another name, so that both are measured on the same pairs in the same process:

    .venv/bin/python -m benchmarks.name_quality [REVISION]        # default revision: HEAD
"""

import importlib
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.heldout_pairs import auc, recall_at_fpr
from portcullis.shared.screening import compare_names
from portcullis.shared.screening.pairs import NamePair, read_name_pairs

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "data" / "name_pairs.csv"
HELDOUT = ROOT / "data" / "name-pairs-heldout" / "pairs.csv"
PACKAGE = "shared/portcullis/shared/screening"
THRESHOLD = 0.85

Compare = Callable[[str, str, str | None], float]


def _compare_at(revision: str, folder: Path) -> Compare:
    """`compare_names` of the screening package as it was at `revision`."""
    target = folder / f"screening_{revision.replace('/', '_')}"
    target.mkdir()
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, f"{PACKAGE}/"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    for path in listing:
        source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True)
        text = source.stdout.decode().replace("portcullis.shared.screening", target.name)
        (target / Path(path).name).write_text(text)
    sys.path.insert(0, str(folder))
    module = importlib.import_module(target.name)
    return module.compare_names  # type: ignore[no-any-return]


def _scored(pairs: Sequence[NamePair], compare: Compare) -> list[tuple[NamePair, float]]:
    return [(pair, compare(pair.name1, pair.name2, pair.schema)) for pair in pairs]


def tuning_report(scored: Sequence[tuple[NamePair, float]]) -> dict[str, dict[str, float]]:
    """Per tuning category: pairs, errors at the threshold, their share of errors, AUC against the other side."""
    positives = [score for pair, score in scored if pair.label]
    negatives = [score for pair, score in scored if not pair.label]
    by_category: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for pair, score in scored:
        by_category[pair.variant].append((score, pair.label))
    errors_total = sum(1 for pair, score in scored if (score >= THRESHOLD) != bool(pair.label))
    rows = {}
    for category, rows_of in by_category.items():
        label = rows_of[0][1]
        errors = sum(1 for score, _ in rows_of if (score >= THRESHOLD) != bool(label))
        against = [(s, 0) for s in negatives] if label else [(s, 1) for s in positives]
        rows[category] = {
            "pairs": len(rows_of),
            "label": label,
            "errors_at_0.85": errors,
            "error_rate": round(errors / len(rows_of), 3),
            "share_of_errors": round(errors / max(errors_total, 1), 3),
            "auc_against_other_side": round(auc([*rows_of, *against]), 3),
        }
    pooled = [(score, pair.label) for pair, score in scored]
    rows["all"] = {
        "pairs": len(scored),
        "errors_at_0.85": errors_total,
        "auc": round(auc(pooled), 4),
        "recall_at_0.85": round(sum(1 for s in positives if s >= THRESHOLD) / len(positives), 3),
        "fpr_at_0.85": round(sum(1 for s in negatives if s >= THRESHOLD) / len(negatives), 3),
    }
    return dict(sorted(rows.items(), key=lambda item: -float(item[1].get("errors_at_0.85", 0))))


def heldout_report(scored: Sequence[tuple[NamePair, float]]) -> dict[str, dict[str, float]]:
    """Per held-out category (and script for cross-script pairs): AUC, recall at 5% FPR, recall and FPR at 0.85."""
    by_category: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for pair, score in scored:
        by_category[pair.variant.split(":")[0]].append((score, pair.label))
        if ":" in pair.variant:
            by_category[pair.variant].append((score, pair.label))
        by_category["all"].append((score, pair.label))
    report = {}
    for category, rows in sorted(by_category.items()):
        matches = [s for s, label in rows if label]
        others = [s for s, label in rows if not label]
        report[category] = {
            "pairs": len(rows),
            "auc": round(auc(rows), 3),
            "recall_at_5pct_fpr": round(recall_at_fpr(rows), 3),
            "recall_at_0.85": round(sum(1 for s in matches if s >= THRESHOLD) / max(len(matches), 1), 3),
            "fpr_at_0.85": round(sum(1 for s in others if s >= THRESHOLD) / max(len(others), 1), 3),
        }
    return report


def main(argv: Sequence[str]) -> None:
    """Print the tuning and held-out reports for the earlier revision and for this code."""
    revision = argv[0] if argv else "HEAD"
    tuning, heldout = read_name_pairs(TUNING), read_name_pairs(HELDOUT)
    with tempfile.TemporaryDirectory() as folder:
        configurations: dict[str, Compare] = {revision: _compare_at(revision, Path(folder)), "this code": compare_names}
        for name, compare in configurations.items():
            print(f"== {name}: tuning pairs ({len(tuning)}), categories by errors at {THRESHOLD}")
            for category, row in tuning_report(_scored(tuning, compare)).items():
                print(f"  {category:20} {row}")
            print(f"== {name}: held-out pairs ({len(heldout)})")
            for category, row in heldout_report(_scored(heldout, compare)).items():
                print(f"  {category:24} {row}")


if __name__ == "__main__":
    main(sys.argv[1:])
