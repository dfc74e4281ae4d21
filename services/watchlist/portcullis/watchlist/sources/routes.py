"""HTTP routes of the named list sources: what they are, their versions, and refreshing one with a new version."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from portcullis.shared.http import ErrorBody
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.deps import UnitOfWorkDep, UserDep
from portcullis.watchlist.documents.service import get_documents
from portcullis.watchlist.entries.service import ENTRIES
from portcullis.watchlist.sources.examples import REFRESH_EXAMPLES
from portcullis.watchlist.sources.schemas import RefreshRequest, RefreshResult, SourceHistory, SourceInfo
from portcullis.watchlist.sources.service import get_source, list_sources, refresh_source, source_history

router = APIRouter(tags=["list sources"])

NO_SUCH_SOURCE: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No list source of that name"}
}
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$", description="ofac-sdn, un-sc, eu-fsf …")]


@router.get("/v1/watchlist/sources", summary="The named list sources and their current versions")
async def sources(session: SessionDep) -> list[SourceInfo]:
    """Every list source: its list name, the files a version consists of, its current version."""
    return await list_sources(session)


@router.get("/v1/watchlist/sources/{name}", summary="A list source and its versions", responses=NO_SUCH_SOURCE)
async def source(
    name: SourceName, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> SourceHistory:
    """A source with its latest versions, newest first, each with the ids it added, changed and removed."""
    return await source_history(session, get_source(name), limit)


@router.post("/v1/watchlist/sources/{name}/refresh", summary="Apply a new version of a list", responses=NO_SUCH_SOURCE)
async def refresh(
    name: SourceName,
    request: Annotated[RefreshRequest, Body(openapi_examples=REFRESH_EXAMPLES)],
    user: UserDep,
    work: UnitOfWorkDep,
) -> RefreshResult:
    """Bring the source's entries in line with the files: add, change, soft-delete; the same content changes
    nothing. The answer's `diff` lists the entry ids added, changed and removed (each also goes to the topic)."""
    result, outcome = await refresh_source(
        work.session, get_source(name), request.files, request.origin, request.action, user
    )
    changed = await get_documents(work.session, ENTRIES, outcome.changed_ids)
    await work.commit(changed)
    return result
