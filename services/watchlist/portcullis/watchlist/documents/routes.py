"""The router factory of versioned documents: create, list, get, replace, delete and the audit trail of one kind."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypedDict

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import ColumnElement

from portcullis.watchlist.audit import AuditRecord, audit_trail
from portcullis.watchlist.db import SessionDep
from portcullis.watchlist.deps import UnitOfWorkDep, UserDep
from portcullis.watchlist.documents.kind import DocT, DocumentKind, RowT, SpecT
from portcullis.watchlist.documents.schemas import Page
from portcullis.watchlist.documents.service import delete_document, get_document, list_documents, put_document
from portcullis.watchlist.examples import CREATED_OR_REPLACED, NOT_FOUND

Filters = list[ColumnElement[bool]]


async def no_filters() -> Filters:
    """No list filters beyond the common ones."""
    return []


@dataclass(frozen=True)
class Paging:
    """The list parameters every kind takes (after its own filters)."""

    include_deleted: bool
    after: str | None
    limit: int


async def paging(
    include_deleted: bool = False,
    after: str | None = Query(default=None, description="Continue after this id (the previous page's next_after)"),
    limit: int = Query(default=100, ge=1, le=1000),
) -> Paging:
    """The list parameters every kind takes."""
    return Paging(include_deleted, after, limit)


@dataclass(frozen=True)
class DocumentApi(Generic[RowT, SpecT, DocT]):
    """How one kind of document appears in the API: its path, its wording and the parameters it alone has."""

    kind: DocumentKind[RowT, SpecT, DocT]
    path: str
    #: The path parameter's name, and the dependency that declares it under that name (`entry_id: DocumentId`).
    id_name: str
    id_param: Callable[..., Awaitable[str]]
    #: The dependency that declares the request body, with the kind's examples.
    body: Callable[..., Awaitable[SpecT]]
    page_type: type[Page[DocT]]
    noun: str
    a_noun: str
    plural: str
    create_description: str
    #: What a deleted document no longer does (`stops matching`).
    deleted_effect: str
    #: The dependency that declares the kind's own list filters, as query parameters.
    filters: Callable[..., Awaitable[Filters]] = no_filters


class RouteText(TypedDict):
    """What the API documentation says of a route."""

    summary: str
    description: str


def document_router(api: DocumentApi[RowT, SpecT, DocT]) -> APIRouter:
    """The routes of one kind of document (untagged: the including router tags them)."""
    kind, model, noun, a_noun, plural = api.kind, api.kind.document_type, api.noun, api.a_noun, api.plural
    the_noun, one = f"the {noun}", f"{api.path}/{{{api.id_name}}}"
    router = APIRouter()
    # What the API documentation says of each route: (summary, description).
    texts = {
        "create": (f"Create {a_noun}", api.create_description),
        "list": (f"List {plural}", f"{plural.capitalize()} ordered by id, a page at a time."),
        "get": (f"Get {a_noun}", f"One {noun} (404 once deleted, unless include_deleted)."),
        "put": (
            f"Create or replace {a_noun}",
            f"Create (201), replace or restore (200) {a_noun} under a chosen id; an identical body changes nothing.",
        ),
        "delete": (f"Delete {a_noun}", f"Soft-delete: {the_noun} {api.deleted_effect}; it stays in the audit trail."),
        "audit": (
            f"Audit trail of {a_noun}",
            f"Every change of {the_noun}, oldest first, with the document before and after.",
        ),
    }

    def doc(operation: str) -> RouteText:
        summary, description = texts[operation]
        return RouteText(summary=summary, description=description)

    # The parameters' order keeps the order of validation errors: the user header, the path, the body.
    @router.post(
        api.path, name=f"create_{noun}", response_model=model, status_code=status.HTTP_201_CREATED, **doc("create")
    )
    async def create(user: UserDep, work: UnitOfWorkDep, spec: Annotated[SpecT, Depends(api.body)]) -> DocT:
        document, _ = await put_document(work.session, kind, kind.new_id(), spec, user)
        await work.commit([document])
        return document

    @router.get(api.path, name=f"list_{plural}", response_model=api.page_type, **doc("list"))
    async def list_(
        session: SessionDep,
        filters: Annotated[Filters, Depends(api.filters)],
        page: Annotated[Paging, Depends(paging)],
    ) -> Page[DocT]:
        items, next_after = await list_documents(session, kind, filters, page.include_deleted, page.after, page.limit)
        return api.page_type(items=items, next_after=next_after)

    @router.get(one, name=f"get_{noun}", response_model=model, responses=NOT_FOUND, **doc("get"))
    async def get(
        document_id: Annotated[str, Depends(api.id_param)], session: SessionDep, include_deleted: bool = False
    ) -> DocT:
        return await get_document(session, kind, document_id, include_deleted)

    @router.put(one, name=f"put_{noun}", response_model=model, responses=CREATED_OR_REPLACED, **doc("put"))
    async def put(
        user: UserDep,
        work: UnitOfWorkDep,
        document_id: Annotated[str, Depends(api.id_param)],
        spec: Annotated[SpecT, Depends(api.body)],
        response: Response,
    ) -> DocT:
        document, action = await put_document(work.session, kind, document_id, spec, user)
        await work.commit([document] if action else [])
        if action == "create":
            response.status_code = status.HTTP_201_CREATED
        return document

    @router.delete(one, name=f"delete_{noun}", response_model=model, responses=NOT_FOUND, **doc("delete"))
    async def delete(user: UserDep, work: UnitOfWorkDep, document_id: Annotated[str, Depends(api.id_param)]) -> DocT:
        document = await delete_document(work.session, kind, document_id, user)
        await work.commit([document])
        return document

    @router.get(
        f"{one}/audit", name=f"{noun}_audit", response_model=list[AuditRecord], responses=NOT_FOUND, **doc("audit")
    )
    async def audit(document_id: Annotated[str, Depends(api.id_param)], session: SessionDep) -> list[AuditRecord]:
        records = await audit_trail(session, kind.name, document_id)
        if not records:
            await get_document(session, kind, document_id, include_deleted=True)  # 404 for an unknown id
        return records

    return router
