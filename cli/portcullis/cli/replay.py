"""`portcullis replay`: send a stream to ingest at a chosen rate, for demos, tests and benchmarks."""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import httpx
import typer
from pydantic import BaseModel

from portcullis.shared.riskmodel.csvdata import CsvFormatError, items_to_declarations, read_items_csv
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.synthetic import Synthetic, TruthRow, generate_containers, generate_passengers, write_truth_csv

app = typer.Typer(no_args_is_help=True)


async def send_at_rate(
    url: str, documents: list[dict[str, object]], rate: float, batch_size: int, concurrency: int = 8
) -> dict[str, float]:
    """POST documents in batches, paced to `rate` documents a second; return counts and the achieved rate."""
    batches = [documents[i : i + batch_size] for i in range(0, len(documents), batch_size)]
    interval = batch_size / rate if rate > 0 else 0.0
    accepted = failed = 0
    semaphore = asyncio.Semaphore(concurrency)
    started = time.perf_counter()

    async def post(client: httpx.AsyncClient, batch: list[dict[str, object]]) -> None:
        nonlocal accepted, failed
        async with semaphore:
            try:
                response = await client.post(url, json=batch)
            except httpx.HTTPError:
                failed += len(batch)
                return
        if response.status_code == 202:
            accepted += len(batch)
        else:
            failed += len(batch)

    async with httpx.AsyncClient(timeout=30) as client:
        tasks = []
        for index, batch in enumerate(batches):
            due = started + index * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(client, batch)))
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {"accepted": accepted, "failed": failed, "seconds": elapsed, "rate": accepted / elapsed if elapsed else 0}


@app.command("declarations")
def declarations(
    input_csv: Annotated[Path, typer.Option("--input", help="CSV in the layout of data/customs-declarations-kr")],
    url: Annotated[str, typer.Option(help="Ingest's base URL")] = "http://127.0.0.1:8001",
    rate: Annotated[float, typer.Option(help="Declarations a second (0: as fast as possible)")] = 200.0,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Declarations per POST")] = 50,
    limit: Annotated[int | None, typer.Option(min=1, help="Send at most this many")] = None,
    id_suffix: Annotated[str, typer.Option(help="Appended to every id, to replay the same file again")] = "",
) -> None:
    """Replay a customs declarations CSV (label columns are ignored) to ingest."""
    try:
        items = read_items_csv(input_csv).items
    except CsvFormatError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    documents = []
    for declaration in items_to_declarations(items):
        document = declaration.model_dump(mode="json")
        document["declaration_id"] = f"{declaration.declaration_id}{id_suffix}"
        documents.append(document)
        if limit is not None and len(documents) >= limit:
            break
    _send(url, "declarations", documents, rate, batch)


def _send(url: str, path: str, documents: list[dict[str, object]], rate: float, batch: int) -> None:
    result = asyncio.run(send_at_rate(f"{url.rstrip('/')}/v1/{path}", documents, rate, batch))
    typer.echo(
        f"accepted {result['accepted']:.0f}, failed {result['failed']:.0f} "
        f"in {result['seconds']:.1f} s ({result['rate']:.0f} a second)"
    )
    if result["failed"]:
        raise typer.Exit(1)


Url = Annotated[str, typer.Option(help="Ingest's base URL")]
Rate = Annotated[float, typer.Option(help="Items a second (0: as fast as possible)")]
Count = Annotated[int, typer.Option(min=1, help="How many items to generate and send")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed generates the same items")]
PlantedShare = Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of items (containers) with a planted risk")]
Truth = Annotated[Path | None, typer.Option(help="Write the ground truth CSV (one row per item) here")]
Batch = Annotated[int, typer.Option(min=1, max=1000, help="Items per POST")]
Start = Annotated[
    datetime, typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="First day of the generated traffic (UTC)")
]
Sanctions = Annotated[Path, typer.Option(help="OFAC SDN folder whose persons and vessels are planted")]
IdSuffix = Annotated[str, typer.Option(help="Appended to every id, to send the same seed again as new items")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Generate (and write the truth) without sending")]
_DEFAULT_START = datetime(2026, 1, 5)
_SANCTIONS = Path("data/ofac-sdn")
Item = TypeVar("Item", bound=BaseModel)


@app.command("passengers")
def passengers(
    url: Url = "http://127.0.0.1:8001",
    rate: Rate = 200.0,
    count: Count = 1000,
    seed: Seed = 0,
    planted_share: PlantedShare = 0.05,
    truth: Truth = None,
    batch: Batch = 50,
    start: Start = _DEFAULT_START,
    sanctions: Sanctions = _SANCTIONS,
    id_suffix: IdSuffix = "",
    dry_run: DryRun = False,
) -> None:
    """Generate synthetic advance passenger records (with planted risks) and send them to ingest."""
    synthetic = generate_passengers(count, seed, planted_share, _watchlist(sanctions), start.replace(tzinfo=UTC))
    _replay_synthetic(synthetic, "passengers", "record_id", id_suffix, truth)
    if not dry_run:
        _send(url, "passengers", _documents(synthetic, "record_id", id_suffix), rate, batch)


@app.command("containers")
def containers(
    url: Url = "http://127.0.0.1:8001",
    rate: Rate = 200.0,
    count: Count = 1000,
    seed: Seed = 0,
    planted_share: PlantedShare = 0.05,
    truth: Truth = None,
    batch: Batch = 50,
    start: Start = _DEFAULT_START,
    sanctions: Sanctions = _SANCTIONS,
    id_suffix: IdSuffix = "",
    dry_run: DryRun = False,
) -> None:
    """Generate synthetic container events (journeys in time order, with planted risks) and send them to ingest."""
    synthetic = generate_containers(count, seed, planted_share, _watchlist(sanctions), start.replace(tzinfo=UTC))
    _replay_synthetic(synthetic, "container events", "event_id", id_suffix, truth)
    if not dry_run:
        _send(url, "containers", _documents(synthetic, "event_id", id_suffix), rate, batch)


def _watchlist(sanctions: Path) -> Sequence[WatchlistEntry]:
    if not sanctions.is_dir():
        typer.echo(f"no sanctions list in {sanctions}: no listed person or vessel is planted", err=True)
        return ()
    return load_ofac_sdn(sanctions)


def _replay_synthetic(synthetic: Synthetic[Item], what: str, id_field: str, id_suffix: str, truth: Path | None) -> None:
    """Report what was generated and write the ground truth when asked."""
    planted = sum(row.planted for row in synthetic.truth)
    typer.echo(f"generated {len(synthetic.items)} {what}, {planted} with a planted risk")
    if truth is not None:
        rows = [_with_suffix(row, id_suffix, key_is_id=id_field == "record_id") for row in synthetic.truth]
        write_truth_csv(rows, truth)
        typer.echo(f"ground truth written to {truth}")


def _documents(synthetic: Synthetic[Item], id_field: str, id_suffix: str) -> list[dict[str, object]]:
    documents = []
    for item in synthetic.items:
        document = item.model_dump(mode="json")
        document[id_field] = f"{document[id_field]}{id_suffix}"
        documents.append(document)
    return documents


def _with_suffix(row: TruthRow, suffix: str, key_is_id: bool) -> TruthRow:
    if not suffix:
        return row
    key = f"{row.partition_key}{suffix}" if key_is_id else row.partition_key
    return TruthRow(row.stream, f"{row.subject_id}{suffix}", key, row.kinds, row.watchlist_entry, row.detail)
