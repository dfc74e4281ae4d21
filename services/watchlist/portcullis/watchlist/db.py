"""The watchlist service's declarative base and the request-scoped session dependency."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: The type of a stored document: its `type` field, its topic key prefix and its audit subject.
DocumentName = Literal["entry", "rule"]


class Base(DeclarativeBase):
    """The watchlist service's tables."""


class VersionedDocumentColumns:
    """What entries and rules store alike: the validated body, its version, how far publication got, soft delete."""

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    document_name: ClassVar[DocumentName]

    if TYPE_CHECKING:  # the mapped subclasses take their columns as keywords (the declarative constructor)

        def __init__(self, **columns: Any) -> None: ...

    def document_dict(self) -> dict[str, Any]:
        """The published document as plain JSON data, the body under its type's name (bodies were validated)."""
        return {
            "type": self.document_name,
            "id": self.id,
            "version": self.version,
            "deleted": self.deleted_at is not None,
            "changed_by": self.changed_by,
            "changed_at": utc(self.changed_at).isoformat(),
            self.document_name: self.body,
        }


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; the request's unit of work commits it."""
    async with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
