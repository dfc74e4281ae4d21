"""Same version-1 decisions from this code's scoring pipeline as from the pipeline at a git revision (a speed change).

Each side scores the validation quarter's declarations in batches of 1,000 through `DeclarationPipeline.handle`, in
a process of its own (the revision's `shared`, `scoring` and `watchlist` packages extracted with `git archive` and put
first on the path), with the same model, the benchmark's 50 rules and the whole SDN list, and records what it
publishes: every message (decisions and selections) must have the same topic, key and bytes, the decision's
`decided_at` aside. Twice: with the default settings, and with the blue lane switched on. Also prints the precision
of the top 5% and 10% of declarations by decision score (a declaration is fraudulent when one of its items is).

Run: `.venv/bin/python -m benchmarks.decisions_equivalence [--revision main] [--registry .run/models]`; prints JSON
and exits 1 on any difference.
"""

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import orjson

REPO = Path(__file__).resolve().parent.parent
VALID = REPO / "data" / "customs-declarations-kr" / "df_syn_valid_eng.csv"
#: The packages the pipeline imports, taken from the revision.
PACKAGES = ("shared", "services/scoring", "services/watchlist")
#: Settings of each comparison: the defaults, and the blue lane on (it changes lanes and reasons).
CONFIGURATIONS: dict[str, dict[str, float]] = {"default": {}, "blue_lane": {"blue_band_rate": 0.05}}
_DECIDED_AT = re.compile(rb'"decided_at":"[^"]*"')


class _Record:
    def __init__(self, offset: int, key: bytes, value: bytes) -> None:
        self.topic, self.partition, self.offset, self.timestamp = "declarations", 0, offset, 1_764_000_000_000 + offset
        self.key, self.value = key, value
        self.headers: list[tuple[str, bytes]] = []


class _Recorder:
    """Keeps every message published, `decided_at` blanked."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    async def publish(self, messages: Sequence[object]) -> None:
        for message in messages:
            value = _DECIDED_AT.sub(b'"decided_at":""', message.value or b"")  # type: ignore[attr-defined]
            self.lines.append(orjson.dumps([message.topic, (message.key or b"").decode(), value.decode()]))  # type: ignore[attr-defined]


async def _score(registry: Path, settings_of: dict[str, float]) -> list[bytes]:
    """Score the validation quarter with the pipeline on the path; what it published, one JSON line a message."""
    from benchmarks.kafka_paths import sanctions_and_rules
    from portcullis.scoring.models import ModelHolder
    from portcullis.scoring.pipeline import DeclarationPipeline
    from portcullis.scoring.settings import ScoringSettings
    from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
    from portcullis.shared.schemas import Declaration
    from portcullis.shared.settings import KafkaSettings

    declarations = list(items_to_declarations(read_items_csv(VALID).items))
    records = [
        _Record(i, d.declaration_id.encode(), orjson.dumps(d.model_dump(mode="json")))
        for i, d in enumerate(declarations)
    ]
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9", topic_prefix="equivalence.")
    settings = ScoringSettings(kafka=kafka, model_registry=registry, **settings_of)  # type: ignore[arg-type]
    example = Declaration.model_validate(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    models = ModelHolder(registry, None, None, warm_up=example)
    await models.refresh()
    recorder = _Recorder()
    pipeline = DeclarationPipeline(settings, models, sanctions_and_rules(), recorder)  # type: ignore[arg-type]
    for start in range(0, len(records), 1000):
        await pipeline.handle(records[start : start + 1000])  # type: ignore[arg-type]
    return recorder.lines


def _run_side(source: Path | None, registry: Path, configuration: str, out: Path) -> None:
    """Score in a child process with the packages of `source` (None: this tree's) first on the path."""
    path = [str(source / package) for package in PACKAGES] if source is not None else []
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([*path, str(REPO)])}
    subprocess.run(
        [sys.executable, "-m", "benchmarks.decisions_equivalence", "--child", configuration, str(registry), str(out)],
        check=True,
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
    )


def _precision(lines: list[bytes], fraud_of: dict[str, bool]) -> dict[str, float]:
    from portcullis.shared.riskmodel.evaluation import precision_at

    decisions = [orjson.loads(orjson.loads(line)[2]) for line in lines if orjson.loads(line)[0].endswith("decisions")]
    scores = np.array([d["score"] for d in decisions], dtype=np.float64)
    fraud = np.array([fraud_of[d["subject_id"]] for d in decisions], dtype=np.float64)
    return {f"precision_at_{rate:.0%}": round(precision_at(fraud, scores, rate), 4) for rate in (0.05, 0.10)}


def _fraud_of_declarations() -> dict[str, bool]:
    from portcullis.shared.riskmodel.csvdata import read_items_csv

    labelled = read_items_csv(VALID, require_labels=True)
    assert labelled.fraud is not None
    fraud: dict[str, bool] = {}
    for declaration_id, label in zip(labelled.items["declaration_id"], labelled.fraud, strict=True):
        fraud[str(declaration_id)] = fraud.get(str(declaration_id), False) or bool(label)
    return fraud


def compare(revision: str, registry: Path) -> dict[str, object]:
    """Score with both pipelines in every configuration; the number of messages, differences and precisions."""
    results: dict[str, object] = {"revision": revision}
    fraud_of = _fraud_of_declarations()
    with tempfile.TemporaryDirectory(prefix="decisions-equivalence-") as scratch:
        folder = Path(scratch)
        source = folder / "revision"
        source.mkdir()
        archive = subprocess.run(["git", "archive", revision, *PACKAGES], cwd=REPO, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        for configuration in CONFIGURATIONS:
            theirs, ours = folder / f"{configuration}.revision", folder / f"{configuration}.this"
            _run_side(source, registry, configuration, theirs)
            _run_side(None, registry, configuration, ours)
            before, after = theirs.read_bytes().split(b"\n"), ours.read_bytes().split(b"\n")
            differing = [i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b]
            first = [before[differing[0]].decode(), after[differing[0]].decode()] if differing else None
            results[configuration] = {
                "messages": len(after),
                "messages_at_revision": len(before),
                "differing": len(differing),
                "first_difference": first,
                "precision_at_revision": _precision(before, fraud_of),
                "precision": _precision(after, fraud_of),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revision", default="main")
    parser.add_argument("--registry", type=Path, default=REPO / ".run" / "models")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        configuration, registry, out = args.child
        lines = asyncio.run(_score(Path(registry), CONFIGURATIONS[configuration]))
        Path(out).write_bytes(b"\n".join(lines))
        return
    results = compare(args.revision, args.registry.resolve())
    print(json.dumps(results, indent=1))
    same = all(
        isinstance(each, dict) and each["differing"] == 0 and each["messages"] == each["messages_at_revision"]
        for name, each in results.items()
        if name in CONFIGURATIONS
    )
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
