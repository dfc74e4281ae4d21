"""`portcullis replay`: send a stream to ingest at a chosen rate, for demos, tests and benchmarks."""

import asyncio
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from portcullis.shared.riskmodel.csvdata import CsvFormatError, items_to_declarations, read_items_csv

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
    result = asyncio.run(send_at_rate(f"{url.rstrip('/')}/v1/declarations", documents, rate, batch))
    typer.echo(
        f"accepted {result['accepted']:.0f}, failed {result['failed']:.0f} "
        f"in {result['seconds']:.1f} s ({result['rate']:.0f} a second)"
    )
    if result["failed"]:
        raise typer.Exit(1)
