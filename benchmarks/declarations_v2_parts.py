"""Scoring version-2 declarations in process, by part: CPU microseconds a declaration of the pipeline's `handle` and of
each of its steps (decoding, rules, screening, links, the model and decision), and of the garbage collector.

The declarations of `benchmarks.declarations_v2` (the validation quarter with version-2 parts, 5% planted), the
same rules and the whole SDN list, in batches of 1,000 as the service takes them, with no broker: what the Kafka
client costs is the difference to that benchmark. The worker threads run inline, so that every step is timed.

Run: `.venv/bin/python -m benchmarks.declarations_v2_parts --registry DIR [--version 1] [--cold]` (`--cold`: no
party screened before).
"""

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

import portcullis.scoring.pipeline as pipeline_module
from benchmarks.declarations_v2 import REPO, VALID, _warm_party_cache
from benchmarks.kafka_paths import sanctions_and_rules
from portcullis.scoring.links import LinkView
from portcullis.scoring.models import ModelHolder
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import Message
from portcullis.shared.memory import collect_between_batches, collect_due, freeze_long_lived
from portcullis.shared.riskmodel.csvdata import items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration
from portcullis.shared.screening import load_ofac_sdn
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import generate_declarations

#: The pipeline's steps timed apart (functions of `pipeline.py`, and methods of its pipeline).
_STEPS = ("decode_records", "select_declarations", "screen_declarations", "link_declarations")
_METHODS = ("_decide", "_note_covering")


class _Record:
    def __init__(self, offset: int, key: bytes, value: bytes) -> None:
        self.topic, self.partition, self.offset, self.timestamp = "declarations", 0, offset, 1_764_000_000_000 + offset
        self.key, self.value = key, value
        self.headers: list[tuple[str, bytes]] = []


class _Publisher:
    """Takes the messages and forgets them (no broker)."""

    async def publish(self, messages: Sequence[Message]) -> None:
        return None


def _timed(seconds: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.process_time() - started

    return timed


async def _inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


async def run(registry: Path, version: int, cold: bool, count: int) -> dict[str, float]:
    """CPU microseconds a declaration: the whole `handle`, each step, the collector."""
    base = list(items_to_declarations(read_items_csv(VALID).items))[:count]
    synthetic = generate_declarations(
        len(base), seed=2026, planted_share=0.05, watchlist=load_ofac_sdn(REPO / "data" / "ofac-sdn"), base=base
    )
    declarations = synthetic.items if version == 2 else base
    records = [
        _Record(i, d.declaration_id.encode(), orjson.dumps(d.model_dump(mode="json")))
        for i, d in enumerate(declarations)
    ]
    lists = sanctions_and_rules()
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9", topic_prefix="parts.")
    settings = ScoringSettings(kafka=kafka, model_registry=registry)
    example = Declaration.model_validate(Declaration.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    models = ModelHolder(registry, None, None, warm_up=example)
    await models.refresh()
    parties = None if cold else _warm_party_cache(lists, synthetic.items)
    links = LinkView(kafka.topic("links"))
    pipeline = DeclarationPipeline(settings, models, lists, _Publisher(), links=links, parties=parties)  # type: ignore[arg-type]

    seconds: dict[str, float] = {}
    for name in _STEPS:
        setattr(pipeline_module, name, _timed(seconds, name, getattr(pipeline_module, name)))
    for name in _METHODS:
        setattr(pipeline, name, _timed(seconds, name, getattr(pipeline, name)))
    asyncio.to_thread = _inline  # the whole process's: this benchmark runs nothing else
    collecting = {"since": 0.0, "total": 0.0}

    def collector(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting["since"] = time.process_time()
        else:
            collecting["total"] += time.process_time() - collecting["since"]

    # As the service does once started.
    freeze_long_lived()
    collect_between_batches()
    gc.callbacks.append(collector)
    started = time.process_time()
    try:
        for start in range(0, len(records), 1000):
            await pipeline.handle(records[start : start + 1000])  # type: ignore[arg-type]
            collect_due()  # as the consumer does between batches
    finally:
        gc.callbacks.remove(collector)
    total = time.process_time() - started
    per = 1e6 / len(records)
    results = {"declarations": float(len(records)), "handle_us": total * per, "collector_us": collecting["total"] * per}
    results.update({f"{name.strip('_')}_us": value * per for name, value in seconds.items()})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--version", type=int, choices=(1, 2), default=2)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    results = asyncio.run(run(args.registry, args.version, args.cold, args.count))
    print(json.dumps({name: round(value, 1) for name, value in results.items()}, indent=1))


if __name__ == "__main__":
    main()
