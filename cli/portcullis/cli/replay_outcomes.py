"""`portcullis replay outcomes`: report what the inspections of replayed declarations found, from the data set's labels.

The declarations' lanes and decision times come from the gateway's feedback export; each inspected one gets the
outcome its labels say (shared/portcullis/shared/synthetic/outcomes.py), reported when its clearance timeline's
inspection ended (the timelines `replay clearance-events` sends with the same seed), so a `make up` demo fills the
performance report.
"""

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer

from portcullis.cli.paths import in_project
from portcullis.cli.progress import counting, working
from portcullis.cli.replay import _DECLARATIONS_CSV, DryRun, Seed
from portcullis.cli.service_client import ApiKey, auth_headers, fail, reason, refusal, service_url
from portcullis.shared.auth import Role
from portcullis.shared.riskmodel.csvdata import CsvFormatError, items_to_declarations, read_items_csv
from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.schemas.clearance import ClearanceEventType
from portcullis.shared.synthetic import generate_clearance
from portcullis.shared.synthetic.outcomes import (
    Decided,
    declaration_labels,
    generate_outcomes,
    write_outcome_truth_csv,
)

_FATAL = {401, 403}
_INSPECTION_ENDS = (ClearanceEventType.INSPECTION_FINISHED, ClearanceEventType.DOCUMENTS_RECEIVED)


def outcomes_command(
    input_csv: Annotated[
        Path | None,
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            help=f"Labelled declarations CSV in the data set's layout (default: the project's {_DECLARATIONS_CSV})",
            show_default=False,
        ),
    ] = None,
    gateway_url: Annotated[
        str | None, typer.Option(help="Gateway's base URL (default: PORTCULLIS_GATEWAY_URL, else port 8000)")
    ] = None,
    reader_key: Annotated[
        str | None,
        typer.Option(
            help="Reader key for the feedback export (default: PORTCULLIS_API_KEY, else dev-keys.env's reader key)",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Outcomes of at most this many declarations")] = None,
    seed: Seed = 0,
    truth: Annotated[Path | None, typer.Option(help="Write what each inspection found (CSV) here")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Outcome reports in flight")] = 8,
    id_suffix: Annotated[str, typer.Option(help="The --id-suffix the declarations were replayed with")] = "",
    dry_run: DryRun = False,
    api_key: ApiKey = None,
) -> None:
    """Post the outcome of every inspected (red, most yellow) replayed declaration, as its labels say."""
    source = input_csv or in_project(_DECLARATIONS_CSV)
    declarations, labels = _labelled_declarations(source, limit)
    gateway = service_url("gateway", gateway_url)
    with working(f"reading the decisions from the gateway at {gateway}"):
        decided = _decided(gateway, reader_key, id_suffix)
    timelines = generate_clearance(declarations, {key: value.lane for key, value in decided.items()}, seed)
    inspected_at = {
        event.declaration_id: event.at for event in timelines.events if event.event_type in _INSPECTION_ENDS
    }
    generated = generate_outcomes(declarations, labels, decided, inspected_at, seed, datetime.now(UTC))
    hits = sum(row.non_compliant for row in generated.truth)
    undecided = sum(declaration.declaration_id not in decided for declaration in declarations)
    typer.echo(
        f"{len(generated.reports)} of {len(declarations)} declarations of {source.name} inspected, {hits} with a "
        f"finding" + (f" ({undecided} without a decision skipped)" if undecided else "")
    )
    if truth is not None:
        write_outcome_truth_csv(generated.truth, truth, id_suffix)
        typer.echo(f"ground truth written to {truth}")
    if dry_run or not generated.reports:
        return
    reports = [(f"{key}{id_suffix}", body) for key, body in generated.reports]
    headers = auth_headers(Role.INSPECTOR, api_key)
    with counting(f"outcomes to {gateway}", len(reports)) as advance:
        statuses = asyncio.run(_post_all(gateway, reports, headers, concurrency, advance))
    recorded = statuses.pop((201, ""), 0) + statuses.pop((200, ""), 0)
    failed = sum(statuses.values())
    typer.echo(f"recorded {recorded}, failed {failed}")
    for (status, why), count in statuses.most_common(5):
        typer.echo(f"outcome refused ({status}) for {count} declarations: {why}", err=True)
    if failed:
        raise typer.Exit(1)


def _labelled_declarations(source: Path, limit: int | None) -> tuple[list[Declaration], dict[str, tuple[bool, bool]]]:
    try:
        labelled = read_items_csv(source, require_labels=True)
        declarations = []
        for declaration in items_to_declarations(labelled.items):
            declarations.append(declaration)
            if limit is not None and len(declarations) >= limit:
                break
    except CsvFormatError as error:
        raise fail(f"cannot read {source}: {error}") from error
    assert labelled.fraud is not None  # require_labels
    ids = [str(value) for value in labelled.items["declaration_id"]]
    return declarations, declaration_labels(ids, labelled.fraud, labelled.critical)


def _decided(gateway: str, reader_key: str | None, id_suffix: str) -> dict[str, Decided]:
    """Each declaration's current lane and decision time from the feedback export (ids without the suffix)."""
    endpoint = f"{gateway}/v1/exports/feedback"
    decided: dict[str, Decided] = {}
    try:
        with httpx.stream("GET", endpoint, headers=auth_headers(Role.READER, reader_key), timeout=300) as response:
            if response.status_code != 200:
                response.read()
                raise fail(refusal("reading the decisions", response, Role.READER, reader_key))
            for line in response.iter_lines():
                if not line.strip():
                    continue
                record = orjson.loads(line)
                subject_id = str(record["subject_id"])
                if subject_id.endswith(id_suffix):
                    key = subject_id.removesuffix(id_suffix) if id_suffix else subject_id
                    decided[key] = Decided(Lane(record["lane"]), datetime.fromisoformat(record["decided_at"]))
    except httpx.HTTPError as error:
        raise fail(f"could not read the decisions from the gateway at {gateway}: {error}") from error
    except (ValueError, KeyError) as error:
        raise fail(f"the gateway's feedback export at {gateway} is unreadable: {error}") from error
    return decided


async def _post_all(
    gateway: str,
    reports: list[tuple[str, dict[str, Any]]],
    headers: dict[str, str],
    concurrency: int,
    advance: Any,
) -> Counter[tuple[int, str]]:
    """POST every report, `concurrency` at a time; stop at a refused key. Counts (status, reason) of the answers."""
    statuses: Counter[tuple[int, str]] = Counter()
    queue = iter(reports)
    stop = asyncio.Event()

    async def worker(client: httpx.AsyncClient) -> None:
        for subject_id, body in queue:
            if stop.is_set():
                statuses[(0, "not sent after a refused key")] += 1
                continue
            try:
                response = await client.post(f"{gateway}/v1/decisions/{subject_id}/outcome", json=body)
            except httpx.HTTPError as error:
                statuses[(0, f"could not reach {gateway}: {type(error).__name__}")] += 1
                continue
            status = response.status_code
            statuses[(status, "" if status in (200, 201) else reason(response))] += 1
            if status in _FATAL:
                stop.set()
            advance(1)

    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return statuses
