"""`portcullis replay`: send a stream to ingest at a chosen rate, for demos, tests and benchmarks."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import httpx
import orjson
import typer
from pydantic import BaseModel, ValidationError

from portcullis.cli.paths import in_project
from portcullis.cli.progress import counting, working
from portcullis.cli.service_client import (
    ApiKey,
    auth_headers,
    dev_keys_file,
    fail,
    reason,
    refusal,
    resolve_api_key,
    service_url,
)
from portcullis.shared.auth import Role
from portcullis.shared.riskmodel.csvdata import CsvFormatError, items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.synthetic import (
    Synthetic,
    TruthRow,
    generate_clearance,
    generate_containers,
    generate_declarations,
    generate_passengers,
    simulate_lanes,
    write_clearance_truth_csv,
    write_truth_csv,
)

app = typer.Typer(no_args_is_help=True)

_RETRIED = {429, 503}  # over the key's rate limit, Kafka slow: the same batch again after Retry-After
_ATTEMPTS = 5
_FATAL = {401, 403}  # no valid key, a key of another role: every further batch would be refused the same way


@dataclass
class Delivery:
    """What a replay achieved: documents accepted, refused (by status and reason) and not sent."""

    accepted: int = 0
    failed: int = 0
    not_sent: int = 0
    seconds: float = 0.0
    refusals: Counter[tuple[int, str]] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


async def send_at_rate(
    url: str,
    documents: list[dict[str, object]],
    rate: float,
    batch_size: int,
    concurrency: int = 8,
    headers: dict[str, str] | None = None,
    on_done: Callable[[int], None] = lambda _count: None,
) -> Delivery:
    """POST documents in batches, paced to `rate` documents a second; stop at the first refused key."""
    batches = [documents[i : i + batch_size] for i in range(0, len(documents), batch_size)]
    interval = batch_size / rate if rate > 0 else 0.0
    delivery = Delivery()
    semaphore = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()
    started = time.perf_counter()

    async def post(client: httpx.AsyncClient, batch: list[dict[str, object]]) -> None:
        try:
            status, why = await _post_with_retries(client, url, batch)
        finally:
            semaphore.release()
        if status == 202:
            delivery.accepted += len(batch)
        else:
            delivery.failed += len(batch)
            delivery.refusals[(status, why)] += len(batch)
            if status in _FATAL or status == 0:
                stop.set()
        on_done(len(batch))

    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        tasks = []
        for index, batch in enumerate(batches):
            due = started + index * interval
            delay = due - time.perf_counter()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    pass
            await semaphore.acquire()  # at most `concurrency` in flight, so a refused key stops the rest
            if stop.is_set():
                semaphore.release()
                delivery.not_sent = sum(len(rest) for rest in batches[index:])
                break
            tasks.append(asyncio.create_task(post(client, batch)))
        await asyncio.gather(*tasks)
    delivery.seconds = time.perf_counter() - started
    return delivery


async def _post_with_retries(client: httpx.AsyncClient, url: str, batch: list[dict[str, object]]) -> tuple[int, str]:
    """Status and reason of posting one batch (0 when ingest could not be reached)."""
    for attempt in range(_ATTEMPTS):
        try:
            response = await client.post(url, json=batch)
        except httpx.HTTPError as error:
            return 0, f"could not reach {url}: {type(error).__name__} {error}".strip()
        if response.status_code not in _RETRIED or attempt == _ATTEMPTS - 1:
            return response.status_code, "" if response.status_code == 202 else reason(response)
        retry_after = response.headers.get("Retry-After", "1")
        await asyncio.sleep(min(10.0, float(retry_after)) if retry_after.isdigit() else 1.0)
    raise AssertionError("unreachable")


Rate = Annotated[float, typer.Option(help="Items a second (0: as fast as possible)")]
Count = Annotated[int, typer.Option(min=1, help="How many items to generate and send")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed generates the same items")]
PlantedShare = Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of items (containers) with a planted risk")]
Truth = Annotated[Path | None, typer.Option(help="Write the ground truth CSV (one row per item) here")]
Batch = Annotated[int, typer.Option(min=1, max=1000, help="Items per POST")]
Start = Annotated[
    datetime, typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="First day of the generated traffic (UTC)")
]
Sanctions = Annotated[
    Path | None,
    typer.Option(help="OFAC SDN folder whose persons and vessels are planted (default: the project's data/ofac-sdn)"),
]
IdSuffix = Annotated[str, typer.Option(help="Appended to every id, to send the same seed again as new items")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Generate (and write the truth) without sending")]
_DEFAULT_START = datetime(2026, 1, 5)
Item = TypeVar("Item", bound=BaseModel)


_DECLARATIONS_CSV = "data/customs-declarations-kr/df_syn_valid_eng.csv"
Url = Annotated[
    str | None,
    typer.Option(
        help="Ingest's base URL (default: PORTCULLIS_INGEST_URL, else http://127.0.0.1:8001 or PORTCULLIS_INGEST_PORT)",
        show_default=False,
    ),
]


@app.command("declarations")
def declarations(
    input_csv: Annotated[
        Path | None,
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            help=f"CSV in the layout of data/customs-declarations-kr (default: the project's {_DECLARATIONS_CSV})",
            show_default=False,
        ),
    ] = None,
    url: Url = None,
    rate: Annotated[float, typer.Option(help="Declarations a second (0: as fast as possible)")] = 200.0,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Declarations per POST")] = 50,
    limit: Annotated[int | None, typer.Option(min=1, help="Send at most this many")] = None,
    id_suffix: Annotated[str, typer.Option(help="Appended to every id, to replay the same file again")] = "",
    version_2: Annotated[
        bool,
        typer.Option(
            "--v2",
            help="Send version-2 declarations: the file's declarations with parties, transport, containers and item "
            "details added, a share of them with a planted listed party or vessel (see --planted-share, --truth)",
        ),
    ] = False,
    seed: Seed = 0,
    planted_share: PlantedShare = 0.05,
    truth: Truth = None,
    sanctions: Sanctions = None,
    api_key: ApiKey = None,
) -> None:
    """Replay a customs declarations CSV (label columns are ignored) to ingest; version 1 unless --v2."""
    declarations = _read_declarations(input_csv, limit)
    if version_2:
        with working(f"adding version-2 parts to {len(declarations):,} declarations"):
            synthetic = generate_declarations(
                len(declarations), seed, planted_share, _watchlist(sanctions), base=declarations
            )
        _replay_synthetic(synthetic, "version-2 declarations", "declaration_id", id_suffix, truth)
        declarations = synthetic.items
    documents = []
    for declaration in declarations:
        document = declaration.model_dump(mode="json")
        document["declaration_id"] = f"{declaration.declaration_id}{id_suffix}"
        documents.append(document)
    _send(url, "declarations", documents, rate, batch, api_key)


def _read_declarations(input_csv: Path | None, limit: int | None) -> list[Declaration]:
    """The first `limit` declarations of a CSV in the data set's layout (default: the validation quarter)."""
    source = input_csv or in_project(_DECLARATIONS_CSV)
    declarations: list[Declaration] = []
    try:
        items = read_items_csv(source).items
        declarations = []
        for declaration in items_to_declarations(items):
            declarations.append(declaration)
            if limit is not None and len(declarations) >= limit:
                break
    except CsvFormatError as error:
        raise fail(f"cannot replay {source}: {error}") from error
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise fail(f"cannot replay {source}: declaration {len(declarations) + 1}: {where}: {problem['msg']}") from error
    return declarations


def _send(
    given_url: str | None, path: str, documents: list[dict[str, object]], rate: float, batch: int, api_key: str | None
) -> None:
    url = service_url("ingest", given_url)
    endpoint = f"{url}/v1/{path}"
    with counting(f"{path} to {url}", len(documents)) as advance:
        delivery = asyncio.run(
            send_at_rate(
                endpoint, documents, rate, batch, headers=auth_headers(Role.SUBMITTER, api_key), on_done=advance
            )
        )
    summary = (
        f"accepted {delivery.accepted}, failed {delivery.failed}"
        + (f", not sent {delivery.not_sent}" if delivery.not_sent else "")
        + f" in {delivery.seconds:.1f} s ({delivery.rate:.0f} a second)"
    )
    typer.echo(summary)
    for (status, why), count in delivery.refusals.most_common(5):
        if status == 0:
            line = f"replay failed for {count} {path}: {why}"
        else:
            line = f"replay refused ({status}) for {count} {path}: {why}"
            if status == 401 and resolve_api_key(Role.SUBMITTER, api_key) is None:
                line += (
                    f"; no API key: give --api-key, set PORTCULLIS_API_KEY, or run `make up` (writes {dev_keys_file()})"
                )
        typer.echo(line, err=True)
    if delivery.failed or delivery.not_sent:
        raise typer.Exit(1)


@app.command("passengers")
def passengers(
    url: Url = None,
    rate: Rate = 200.0,
    count: Count = 1000,
    seed: Seed = 0,
    planted_share: PlantedShare = 0.05,
    truth: Truth = None,
    batch: Batch = 50,
    start: Start = _DEFAULT_START,
    sanctions: Sanctions = None,
    id_suffix: IdSuffix = "",
    dry_run: DryRun = False,
    api_key: ApiKey = None,
) -> None:
    """Generate synthetic advance passenger records (with planted risks) and send them to ingest."""
    with working(f"generating {count:,} passengers"):
        synthetic = generate_passengers(count, seed, planted_share, _watchlist(sanctions), start.replace(tzinfo=UTC))
    _replay_synthetic(synthetic, "passengers", "record_id", id_suffix, truth)
    if not dry_run:
        _send(url, "passengers", _documents(synthetic, "record_id", id_suffix), rate, batch, api_key)


@app.command("containers")
def containers(
    url: Url = None,
    rate: Rate = 200.0,
    count: Count = 1000,
    seed: Seed = 0,
    planted_share: PlantedShare = 0.05,
    truth: Truth = None,
    batch: Batch = 50,
    start: Start = _DEFAULT_START,
    sanctions: Sanctions = None,
    id_suffix: IdSuffix = "",
    dry_run: DryRun = False,
    api_key: ApiKey = None,
) -> None:
    """Generate synthetic container events (journeys in time order, with planted risks) and send them to ingest."""
    with working(f"generating {count:,} container events"):
        synthetic = generate_containers(count, seed, planted_share, _watchlist(sanctions), start.replace(tzinfo=UTC))
    _replay_synthetic(synthetic, "container events", "event_id", id_suffix, truth)
    if not dry_run:
        _send(url, "containers", _documents(synthetic, "event_id", id_suffix), rate, batch, api_key)


def _watchlist(given: Path | None) -> Sequence[WatchlistEntry]:
    sanctions = given or in_project("data/ofac-sdn")
    if not sanctions.is_dir():
        typer.echo(f"no sanctions list in {sanctions}: no listed person or vessel is planted", err=True)
        return ()
    try:
        return load_ofac_sdn(sanctions)
    except (OSError, ValueError) as error:
        raise fail(f"cannot read the sanctions list in {sanctions}: {error}") from error


def _replay_synthetic(synthetic: Synthetic[Item], what: str, id_field: str, id_suffix: str, truth: Path | None) -> None:
    """Report what was generated and write the ground truth when asked."""
    planted = sum(row.planted for row in synthetic.truth)
    typer.echo(f"generated {len(synthetic.items)} {what}, {planted} with a planted risk")
    if truth is not None:
        key_is_id = id_field in {"record_id", "declaration_id"}
        rows = [_with_suffix(row, id_suffix, key_is_id=key_is_id) for row in synthetic.truth]
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


class LaneSource(StrEnum):
    """Where the lanes of the declarations come from."""

    GATEWAY = "gateway"
    SIMULATED = "simulated"


@app.command("clearance-events")
def clearance_events(
    input_csv: Annotated[
        Path | None,
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            help=f"Declarations CSV in the data set's layout (default: the project's {_DECLARATIONS_CSV})",
            show_default=False,
        ),
    ] = None,
    lanes: Annotated[
        LaneSource,
        typer.Option(
            help="gateway: each declaration's lane as decided (the feedback export; declarations without a decision "
            "are skipped); simulated: lanes drawn at 5% red, 10% yellow"
        ),
    ] = LaneSource.GATEWAY,
    gateway_url: Annotated[
        str | None, typer.Option(help="Gateway's base URL (default: PORTCULLIS_GATEWAY_URL, else port 8000)")
    ] = None,
    reader_key: Annotated[
        str | None,
        typer.Option(
            help="Reader key for the gateway (default: PORTCULLIS_API_KEY, else the reader key of dev-keys.env)",
            show_default=False,
        ),
    ] = None,
    url: Url = None,
    rate: Rate = 500.0,
    limit: Annotated[int | None, typer.Option(min=1, help="Timelines of at most this many declarations")] = None,
    seed: Seed = 0,
    truth: Annotated[Path | None, typer.Option(help="Write the true stage durations (CSV, a row a stage) here")] = None,
    batch: Batch = 100,
    id_suffix: Annotated[str, typer.Option(help="The --id-suffix the declarations were replayed with")] = "",
    dry_run: DryRun = False,
    api_key: ApiKey = None,
) -> None:
    """Generate the clearance timelines of replayed declarations (arrival to release, per lane) and send them."""
    declarations = _read_declarations(input_csv, limit)
    if lanes == LaneSource.GATEWAY:
        with working(f"reading the lanes from the gateway at {service_url('gateway', gateway_url)}"):
            decided = _decided_lanes(service_url("gateway", gateway_url), reader_key, id_suffix)
    else:
        decided = simulate_lanes(declarations, seed)
    with working(f"generating the timelines of {len(declarations):,} declarations"):
        timelines = generate_clearance(declarations, decided, seed)
    timed = len({event.declaration_id for event in timelines.events})
    typer.echo(
        f"generated {len(timelines.events)} clearance events for {timed} declarations"
        + (f" ({len(declarations) - timed} without a lane skipped)" if timed < len(declarations) else "")
    )
    if truth is not None:
        write_clearance_truth_csv(timelines.truth, truth, id_suffix)
        typer.echo(f"ground truth written to {truth}")
    if not dry_run:
        documents = []
        for event in timelines.events:
            document = event.model_dump(mode="json")
            document["declaration_id"] = f"{event.declaration_id}{id_suffix}"
            document["event_id"] = f"{event.event_id}{id_suffix}"
            documents.append(document)
        _send(url, "clearance-events", documents, rate, batch, api_key)


def _decided_lanes(gateway: str, reader_key: str | None, id_suffix: str) -> dict[str, Lane]:
    """Each declaration's current lane, read from the gateway's feedback export (ids without the suffix)."""
    endpoint = f"{gateway}/v1/exports/feedback"
    lanes: dict[str, Lane] = {}
    try:
        with httpx.stream("GET", endpoint, headers=auth_headers(Role.READER, reader_key), timeout=300) as response:
            if response.status_code != 200:
                response.read()
                raise fail(refusal("reading the lanes", response, Role.READER, reader_key))
            for line in response.iter_lines():
                if line.strip():
                    record = orjson.loads(line)
                    subject_id = str(record["subject_id"])
                    if subject_id.endswith(id_suffix):
                        lanes[subject_id.removesuffix(id_suffix) if id_suffix else subject_id] = Lane(record["lane"])
    except httpx.HTTPError as error:
        raise fail(f"could not read the lanes from the gateway at {gateway}: {error}") from error
    except (ValueError, KeyError) as error:
        raise fail(f"the gateway's feedback export at {gateway} is unreadable: {error}") from error
    return lanes
