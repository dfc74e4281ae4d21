"""Importing a sanctions list: additions, changes and removals against what is stored; unchanged data is a no-op.

Every list is a named source whose entries carry ids `<source>:<id in the list>`; an import owns exactly the stored
entries under its prefix, so one list's import never touches another's entries or the analysts' own.
"""

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.http import field_errors
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.watchlist import (
    Action,
    AircraftEntry,
    EntrySpec,
    IdDocument,
    OrganizationEntry,
    PersonEntry,
    VesselEntry,
)
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.screening.ofac import LIST_NAME
from portcullis.watchlist.audit import AuditRow, ChangeAction, audit_values
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.entries.schemas import ImportResult, Rejection

log = get_logger(__name__)

_CHUNK = 1000
_UPDATED_COLUMNS = ("body", "kind", "version", "deleted_at", "changed_by", "changed_at")
#: The OFAC SDN list's entries are `ofac-sdn:<ent_num>` (what its parser names them).
OFAC_PREFIX = "ofac-sdn"


@dataclass
class ListDiff:
    """The entry ids an import added (or restored), changed and removed: what re-screening looks at."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    """The counts, the ids whose rows changed (to publish and re-index) and the diff by kind of change."""

    result: ImportResult
    changed_ids: list[str]
    diff: ListDiff


def parse_ofac_sdn(sdn_csv: str, alt_csv: str) -> list[WatchlistEntry]:
    """Parse the two files' contents with the shared OFAC parser."""
    with tempfile.TemporaryDirectory(prefix="ofac-") as directory:
        Path(directory, "sdn.csv").write_text(sdn_csv, encoding="utf-8")
        Path(directory, "alt.csv").write_text(alt_csv, encoding="utf-8")
        return load_ofac_sdn(Path(directory))


def to_spec(entry: WatchlistEntry, action: Action) -> EntrySpec:
    """The stored form of a parsed SDN party."""
    common: dict[str, Any] = {
        "list_name": entry.list_name,
        "reason": entry.reason or entry.list_name,
        "action": action,
        "name": entry.name,
        "aliases": list(entry.aliases),
    }
    documents = [IdDocument(kind=d.kind, number=d.number, country=d.country) for d in entry.documents]
    if entry.kind == "person":
        return PersonEntry(
            kind="person",
            birth_dates=list(entry.birth_dates),
            birth_years=list(entry.birth_years),
            nationalities=list(entry.nationalities),
            documents=documents,
            **common,
        )
    if entry.kind == "vessel":
        flag = entry.nationalities[0] if entry.nationalities else None
        return VesselEntry(kind="vessel", imo_number=entry.imo_number, flag=flag, **common)
    if entry.kind == "aircraft":
        return AircraftEntry(kind="aircraft", **common)
    return OrganizationEntry(
        kind="organization",
        countries=list(entry.nationalities),
        identifiers=documents,
        **common,
    )


async def import_ofac_sdn(
    session: AsyncSession, sdn_csv: str, alt_csv: str, action: Action, changed_by: str
) -> ImportOutcome:
    """Bring the stored OFAC SDN list in line with the files (no commit: the caller's unit of work commits)."""
    entries = await asyncio.to_thread(parse_ofac_sdn, sdn_csv, alt_csv)
    return await import_entries(session, OFAC_PREFIX, LIST_NAME, entries, [], action, changed_by)


async def import_entries(
    session: AsyncSession,
    prefix: str,
    list_name: str,
    entries: Sequence[WatchlistEntry],
    rejected: Sequence[Rejection],
    action: Action,
    changed_by: str,
) -> ImportOutcome:
    """Bring the stored entries under `<prefix>:` in line with a list's parties (no commit: the caller's unit of
    work commits); `rejected` are parties the parser could not read, left as stored."""
    wanted: dict[str, EntrySpec] = {}
    rejections: list[Rejection] = list(rejected)
    for entry in entries:
        try:
            wanted[entry.entry_id] = to_spec(entry, action)
        except ValidationError as error:
            # One party the list gets wrong must not stop the import; it is reported and left as stored.
            problem = field_errors(error.errors())[0]
            rejections.append(Rejection(entry_id=entry.entry_id, field=problem.field, reason=problem.reason))
    rejected_ids = {r.entry_id for r in rejections}
    columns = (EntryRow.id, EntryRow.kind, EntryRow.list_name, EntryRow.body, EntryRow.version, EntryRow.deleted_at)
    stored = {
        row.id: row
        for row in (
            await session.execute(
                select(*columns, EntryRow.changed_by, EntryRow.changed_at).where(
                    EntryRow.id.startswith(f"{prefix}:", autoescape=True)
                )
            )
        ).all()
    }
    now = datetime.now(UTC)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []

    def change(row: Any, kind: str, body: dict[str, Any], deleted_at: datetime | None, what: ChangeAction) -> None:
        values = _row_values(row.id, kind, list_name, body, row.version + 1, deleted_at, changed_by, now)
        updates.append(values)
        audits.append(
            audit_values(
                "entry", row.id, row.version + 1, what, _stored_document(row), _document(values), changed_by, now
            )
        )

    unchanged = 0
    diff = ListDiff()
    for entry_id, spec in wanted.items():
        body = spec.model_dump(mode="json")
        row = stored.get(entry_id)
        if row is None:
            values = _row_values(entry_id, spec.kind, list_name, body, 1, None, changed_by, now)
            inserts.append({**values, "published_version": 0})
            audits.append(audit_values("entry", entry_id, 1, "create", None, _document(values), changed_by, now))
            diff.added.append(entry_id)
        elif row.deleted_at is not None:
            change(row, spec.kind, body, None, "restore")
            diff.added.append(entry_id)
        elif row.body != body:
            change(row, spec.kind, body, None, "update")
            diff.changed.append(entry_id)
        else:
            unchanged += 1
    for entry_id, row in stored.items():
        if entry_id not in wanted and entry_id not in rejected_ids and row.deleted_at is None:
            change(row, row.kind, row.body, now, "delete")
            diff.removed.append(entry_id)
    await _write(session, inserts, updates, audits)
    result = ImportResult(
        list_name=list_name,
        parties=len(entries) + len(rejected),
        aliases=sum(len(e.aliases) for e in entries),
        added=len(diff.added),
        changed=len(diff.changed),
        removed=len(diff.removed),
        unchanged=unchanged,
        rejected=len(rejections),
        rejections=rejections[:100],
    )
    log.info("list_imported", source=prefix, **result.model_dump(exclude={"list_name", "rejections"}))
    return ImportOutcome(result, [v["id"] for v in inserts] + [v["id"] for v in updates], diff)


def _row_values(
    entry_id: str,
    kind: str,
    list_name: str,
    body: dict[str, Any],
    version: int,
    deleted_at: datetime | None,
    changed_by: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": entry_id,
        "kind": kind,
        "list_name": list_name,
        "body": body,
        "version": version,
        "deleted_at": deleted_at,
        "changed_by": changed_by,
        "changed_at": now,
    }


def _document(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "entry",
        "id": values["id"],
        "version": values["version"],
        "deleted": values["deleted_at"] is not None,
        "changed_by": values["changed_by"],
        "changed_at": values["changed_at"].isoformat(),
        "entry": values["body"],
    }


def _stored_document(row: Any) -> dict[str, Any]:
    return EntryRow(
        id=row.id,
        kind=row.kind,
        list_name=row.list_name,
        body=row.body,
        version=row.version,
        deleted_at=row.deleted_at,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
    ).document_dict()


async def _write(
    session: AsyncSession, inserts: list[dict[str, Any]], updates: list[dict[str, Any]], audits: list[dict[str, Any]]
) -> None:
    table = cast(Table, EntryRow.__table__)
    for start in range(0, len(inserts), _CHUNK):
        await session.execute(insert(table), inserts[start : start + _CHUNK])
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in _UPDATED_COLUMNS})
    )
    for start in range(0, len(updates), _CHUNK):
        chunk = [
            {"row_id": u["id"], **{f"new_{name}": u[name] for name in _UPDATED_COLUMNS}}
            for u in updates[start : start + _CHUNK]
        ]
        await session.execute(statement, chunk)
    for start in range(0, len(audits), _CHUNK):
        await session.execute(insert(cast(Table, AuditRow.__table__)), audits[start : start + _CHUNK])
