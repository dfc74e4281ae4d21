"""Refreshing a list source: parse a version's files, apply the diff to the entries, record the version."""

import asyncio
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.http import FieldError
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.db import utc
from portcullis.watchlist.entries.imports import ImportOutcome, import_entries
from portcullis.watchlist.errors import InputError, NotFoundError
from portcullis.watchlist.sources.catalogue import SOURCES, Source
from portcullis.watchlist.sources.models import SourceVersionRow
from portcullis.watchlist.sources.parsing import ListFormatError, ParsedList
from portcullis.watchlist.sources.schemas import ListDiffIds, RefreshResult, SourceHistory, SourceInfo, SourceVersion

log = get_logger(__name__)


def get_source(name: str) -> Source:
    """The named source, or a 404."""
    source = SOURCES.get(name)
    if source is None:
        raise NotFoundError(f"no list source {name!r}; the sources are {', '.join(SOURCES)}")
    return source


def content_sha256(files: Mapping[str, str]) -> str:
    """The hash of a version's files (names and contents), whatever order they came in."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def _check_files(source: Source, files: Mapping[str, str]) -> None:
    errors = [
        FieldError(field=f"files.{name}", reason=f"not a file of {source.name}; it takes {', '.join(source.files)}")
        for name in files
        if name not in source.files
    ]
    errors += [
        FieldError(field="files", reason=f"{source.name} needs the file {name}")
        for name in source.required
        if name not in files
    ]
    if errors:
        raise InputError(errors)


async def refresh_source(
    session: AsyncSession, source: Source, files: Mapping[str, str], origin: str | None, action: Action, who: str
) -> tuple[RefreshResult, ImportOutcome]:
    """Apply a version of a list (no commit: the caller's unit of work commits); the same content changes nothing."""
    prefix = source.name  # also the prefix of its entry ids
    _check_files(source, files)
    try:
        parsed: ParsedList = await asyncio.to_thread(source.parse, files)
    except ListFormatError as error:
        raise InputError([FieldError(field=f"files.{error.field}", reason=error.reason)]) from error
    sha = content_sha256(files)
    version = parsed.published or f"sha256:{sha[:12]}"
    # Each entry version records the list version it came from, in its audit row and published document.
    changed_by = f"{who} via {prefix}@{version}"[:80]
    outcome = await import_entries(
        session, prefix, source.list_name, parsed.entries, parsed.rejections, action, changed_by
    )
    latest = await _latest(session, prefix)
    diff = ListDiffIds(added=outcome.diff.added, changed=outcome.diff.changed, removed=outcome.diff.removed)
    changed_anything = bool(diff.added or diff.changed or diff.removed)
    new_version = latest is None or latest.content_sha256 != sha or changed_anything
    if new_version:
        session.add(
            SourceVersionRow(
                source=source.name,
                version=version[:80],
                published=parsed.published[:40] if parsed.published else None,
                content_sha256=sha,
                origin=origin[:500] if origin else None,
                imported_by=who,
                imported_at=datetime.now(UTC),
                parties=outcome.result.parties,
                rejected=outcome.result.rejected,
                diff=diff.model_dump(),
            )
        )
    log.info(
        "list_source_refreshed",
        source=prefix,
        version=version,
        new_version=new_version,
        added=len(diff.added),
        changed=len(diff.changed),
        removed=len(diff.removed),
    )
    result = RefreshResult(
        **outcome.result.model_dump(),
        source=source.name,
        version=version,
        content_sha256=sha,
        new_version=new_version,
        diff=diff,
    )
    return result, outcome


async def _latest(session: AsyncSession, source: str) -> SourceVersionRow | None:
    query = select(SourceVersionRow).where(SourceVersionRow.source == source).order_by(SourceVersionRow.id.desc())
    return (await session.scalars(query.limit(1))).first()


def _version(row: SourceVersionRow) -> SourceVersion:
    diff = ListDiffIds.model_validate(row.diff)
    return SourceVersion(
        version=row.version,
        published=row.published,
        content_sha256=row.content_sha256,
        origin=row.origin,
        imported_by=row.imported_by,
        imported_at=utc(row.imported_at),
        parties=row.parties,
        rejected=row.rejected,
        added=len(diff.added),
        changed=len(diff.changed),
        removed=len(diff.removed),
        diff=diff,
    )


def _info(source: Source, latest: SourceVersionRow | None) -> dict[str, object]:
    return {
        "name": source.name,
        "list_name": source.list_name,
        "title": source.title,
        "files": list(source.files),
        "required_files": list(source.required),
        "publisher_url": source.publisher_url,
        "current": _version(latest) if latest else None,
    }


async def list_sources(session: AsyncSession) -> list[SourceInfo]:
    """Every source with its current version."""
    return [SourceInfo.model_validate(_info(s, await _latest(session, s.name))) for s in SOURCES.values()]


async def source_history(session: AsyncSession, source: Source, limit: int) -> SourceHistory:
    """A source with its latest `limit` versions, newest first."""
    query = select(SourceVersionRow).where(SourceVersionRow.source == source.name)
    rows = list((await session.scalars(query.order_by(SourceVersionRow.id.desc()).limit(limit))).all())
    info = _info(source, rows[0] if rows else None)
    return SourceHistory.model_validate({**info, "versions": [_version(row) for row in rows]})
