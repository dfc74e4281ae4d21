"""Watchlist entries as a kind of versioned document: their table, their ids, the columns lists are filtered on."""

import uuid
from typing import Any

from portcullis.shared.schemas.watchlist import EntryDocument, EntrySpec
from portcullis.watchlist.documents.kind import DocumentKind
from portcullis.watchlist.entries.models import EntryRow


def new_entry_id() -> str:
    """A fresh entry id."""
    return f"wl-{uuid.uuid4().hex[:12]}"


def _columns(spec: EntrySpec) -> dict[str, Any]:
    return {"kind": spec.kind, "list_name": spec.list_name}


#: Entries need no check beyond their schema (which holds their limits: check digits, codes, dates, actions).
ENTRIES: DocumentKind[EntryRow, EntrySpec, EntryDocument] = DocumentKind(
    label="watchlist entry", row_type=EntryRow, document_type=EntryDocument, new_id=new_entry_id, columns=_columns
)
