"""Alembic environment for the watchlist service's tables; the connection comes from portcullis.shared.db.migrate."""

from alembic import context

from portcullis.watchlist.audit import AuditRow
from portcullis.watchlist.db import Base
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.rules.models import RuleRow
from portcullis.watchlist.sources.models import SourceVersionRow

_TABLES = (AuditRow, EntryRow, RuleRow, SourceVersionRow)  # imported so that their tables are in the metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
