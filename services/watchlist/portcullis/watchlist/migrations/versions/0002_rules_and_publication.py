"""selectivity rules, publication progress, audit subjects

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before this revision were never published: 0 makes the service publish them at start.
    with op.batch_alter_table("watchlist_entries") as batch:
        batch.add_column(sa.Column("published_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("watchlist_audit") as batch:
        batch.add_column(sa.Column("subject", sa.String(8), nullable=False, server_default="entry"))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    op.create_index("ix_watchlist_audit_subject_entry", "watchlist_audit", ["subject", "entry_id"])
    op.create_table(
        "selectivity_rules",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("stream", sa.String(16), nullable=False, index=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("selectivity_rules")
    op.drop_index("ix_watchlist_audit_subject_entry", "watchlist_audit")
    with op.batch_alter_table("watchlist_audit") as batch:
        batch.drop_column("version")
        batch.drop_column("subject")
    with op.batch_alter_table("watchlist_entries") as batch:
        batch.drop_column("published_version")
