"""Alembic environment for the gateway's tables; the connection comes from portcullis.shared.db.migrate."""

from alembic import context

import portcullis.gateway.decisions.models
import portcullis.gateway.outcomes.models
import portcullis.gateway.overrides.models
import portcullis.gateway.reviews.models  # noqa: F401  (registers the tables on the metadata)
from portcullis.gateway.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
