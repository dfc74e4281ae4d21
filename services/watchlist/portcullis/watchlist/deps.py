"""Request dependencies: who changes, the unit of work (commit, publish, refresh the screening index)."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from portcullis.shared.auth import ApiKeyRecord
from portcullis.shared.schemas.watchlist import DocumentMeta, EntryDocument, RuleDocument
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.entries.screening import ScreeningIndex
from portcullis.watchlist.publishing import Outbox

UserHeader = Annotated[
    str | None,
    Header(
        alias="X-Portcullis-User",
        min_length=1,
        max_length=80,
        pattern=r"^[\w.@:+-][\w .@:+-]*$",
        description="The analyst making the change, recorded in the audit trail beside the API key's name",
    ),
]


async def get_user(request: Request, user: UserHeader = None) -> str:
    """Who makes a change: the API key's name, with the analyst the client names (audit trail)."""
    key: ApiKeyRecord | None = getattr(request.state, "api_key", None)
    if key is not None:
        return f"{key.name}:{user}"[:80] if user else key.name
    if user is None:  # authentication is off (tests): the header is the only account of who it was
        raise HTTPException(422, [{"field": "X-Portcullis-User", "reason": "Field required"}])
    return user


#: Who makes a change, recorded in the audit trail.
UserDep = Annotated[str, Depends(get_user)]


class UnitOfWork:
    """A request's writes: commit them, then refresh the screening index and publish to the topic."""

    def __init__(self, session: AsyncSession, outbox: Outbox, screening: ScreeningIndex) -> None:
        self.session = session
        self._outbox = outbox
        self._screening = screening

    async def commit(self, documents: Sequence[DocumentMeta]) -> None:
        """Commit; then the in-memory index follows the entries and the topic gets the new versions."""
        await self.session.commit()
        entries = [document for document in documents if isinstance(document, EntryDocument)]
        if entries:
            await self._screening.apply(entries)
            await self._outbox.publish_after_commit("entry", [d.id for d in entries])
        rules = [document.id for document in documents if isinstance(document, RuleDocument)]
        if rules:
            await self._outbox.publish_after_commit("rule", rules)


async def get_unit_of_work(request: Request, session: SessionDep) -> UnitOfWork:
    """The unit of work of this request."""
    return UnitOfWork(session, request.app.state.outbox, request.app.state.screening)


async def get_screening(request: Request) -> ScreeningIndex:
    """The in-memory screening index."""
    screening: ScreeningIndex = request.app.state.screening
    return screening


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
ScreeningDep = Annotated[ScreeningIndex, Depends(get_screening)]
