"""What the document routes answer besides the documents themselves."""

from typing import Generic

from pydantic import BaseModel

from portcullis.watchlist.documents.kind import DocT


class Page(BaseModel, Generic[DocT]):
    """A page of documents, ordered by id; pass `next_after` as `after` for the next page."""

    items: list[DocT]
    next_after: str | None
