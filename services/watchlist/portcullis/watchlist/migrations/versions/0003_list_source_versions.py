"""versions of the named list sources, with the diff each one applied

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlist_source_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False, index=True),
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("published", sa.String(40), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(500), nullable=True),
        sa.Column("imported_by", sa.String(80), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parties", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watchlist_source_versions")
