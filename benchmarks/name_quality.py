"""Name-matching quality on the tuning and the held-out pairs in one run, this code against an earlier commit.

Tuning pairs (`tests/data/name_pairs.csv`): per category, what is lost at the 0.85 threshold (misses of matches,
hits of non-matches) and each category's AUC against the other side pooled, so that the categories that lose
most show. Held-out pairs (`data/name-pairs-heldout/pairs.csv`): AUC, recall at 5% false positives, recall and
false-positive rate at 0.85 per category and per script; pairs whose other-script name ICU wrote are scored with
the matcher's ICU reading off (`benchmarks.heldout_pairs.scores`); only reported, nothing is chosen on them.

The earlier code is the screening package of a git revision, copied to a temporary folder and imported under
another name, so that both are measured on the same pairs in the same process. `--heldout-set REVISION` adds the
held-out set as it was at that revision (e.g. the set whose cross-script names ICU wrote, 20eae66), scored by the
same code in the same run:

    .venv/bin/python -m benchmarks.name_quality [REVISION] [--heldout-set REVISION]   # default revision: HEAD
"""

import importlib
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from benchmarks.heldout_pairs import Compare, auc, recall_at_fpr, scores
from benchmarks.revision import file_at, screening_at
from portcullis.shared.screening import compare_names
from portcullis.shared.screening.pairs import NamePair, read_name_pairs
from portcullis.shared.screening.transliteration import icu_reading_off

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "data" / "name_pairs.csv"
HELDOUT = ROOT / "data" / "name-pairs-heldout" / "pairs.csv"
THRESHOLD = 0.85

ReadingOff = Callable[[], AbstractContextManager[None]]


def _compare_at(revision: str, folder: Path) -> tuple[Compare, ReadingOff]:
    """`compare_names` of the screening package as it was at `revision`, and its switch for ICU's reading (a no-op
    where that revision has none)."""
    module = screening_at(revision, folder)
    transliteration = importlib.import_module(f"{module.__name__}.transliteration")
    reading_off: ReadingOff = getattr(transliteration, "icu_reading_off", nullcontext)
    return module.compare_names, reading_off


def _scored(pairs: Sequence[NamePair], compare: Compare, reading_off: ReadingOff) -> list[tuple[NamePair, float]]:
    return list(zip(pairs, scores(pairs, compare, reading_off), strict=True))


def _heldout_at(revision: str, folder: Path) -> list[NamePair]:
    """The held-out pairs as they were at `revision`."""
    path = folder / f"heldout_{revision.replace('/', '_')}.csv"
    path.write_text(file_at(revision, str(HELDOUT.relative_to(ROOT))), encoding="utf-8")
    return read_name_pairs(path)


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
        parts = pair.variant.split(":")
        by_category[parts[0]].append((score, pair.label))
        if len(parts) > 1:
            by_category[":".join(parts[:2])].append((score, pair.label))
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
    arguments = list(argv)
    set_revision = None
    if "--heldout-set" in arguments:
        at = arguments.index("--heldout-set")
        set_revision = arguments[at + 1]
        del arguments[at : at + 2]
    revision = arguments[0] if arguments else "HEAD"
    tuning = read_name_pairs(TUNING)
    with tempfile.TemporaryDirectory() as folder:
        heldout_sets = {"held-out pairs": read_name_pairs(HELDOUT)}
        if set_revision is not None:
            heldout_sets[f"held-out pairs at {set_revision}"] = _heldout_at(set_revision, Path(folder))
        configurations: dict[str, tuple[Compare, ReadingOff]] = {
            revision: _compare_at(revision, Path(folder)),
            "this code": (compare_names, icu_reading_off),
        }
        for name, (compare, reading_off) in configurations.items():
            if reading_off is nullcontext:
                print(f"== {name} has no icu_reading_off: the pairs ICU wrote are scored with its ICU reading on")
            print(f"== {name}: tuning pairs ({len(tuning)}), categories by errors at {THRESHOLD}")
            for category, row in tuning_report(_scored(tuning, compare, reading_off)).items():
                print(f"  {category:20} {row}")
            for set_name, heldout in heldout_sets.items():
                print(f"== {name}: {set_name} ({len(heldout)})")
                for category, row in heldout_report(_scored(heldout, compare, reading_off)).items():
                    print(f"  {category:24} {row}")


if __name__ == "__main__":
    main(sys.argv[1:])
