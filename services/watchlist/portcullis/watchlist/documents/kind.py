"""What sets one kind of versioned document apart in storage: its table, its document model, its ids and checks."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from portcullis.shared.schemas.watchlist import DocumentMeta
from portcullis.watchlist.db import DocumentName, VersionedDocumentColumns

RowT = TypeVar("RowT", bound=VersionedDocumentColumns)
SpecT = TypeVar("SpecT", bound=BaseModel)
DocT = TypeVar("DocT", bound=DocumentMeta)


@dataclass(frozen=True)
class DocumentKind(Generic[RowT, SpecT, DocT]):
    """A kind of document: `RowT` stores a body `SpecT`, published and answered as `DocT`."""

    #: What "no such document" calls one (`watchlist entry`, `rule`).
    label: str
    row_type: type[RowT]
    document_type: type[DocT]
    new_id: Callable[[], str]
    #: The columns a row keeps beside its body to filter on (`kind`, `list_name`; `stream`).
    columns: Callable[[SpecT], dict[str, Any]]
    #: Checks beyond the schema, before anything is stored; raises InputError.
    check: Callable[[SpecT], None] | None = None

    @property
    def name(self) -> DocumentName:
        """The document's type: its `type` field, its topic key prefix and its audit subject."""
        return self.row_type.document_name

    def document(self, row: RowT) -> DocT:
        """The validated document of a stored row."""
        return self.document_type.model_validate(row.document_dict())
