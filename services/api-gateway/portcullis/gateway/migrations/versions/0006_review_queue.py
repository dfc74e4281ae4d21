"""the review queue: possible matches waiting for an analyst, their verdicts (who, when, why) and publication

Revision ID: 0006
Revises: 0005

Only added: a nullable column on `decisions` (the decision's `review`) and a new table (no table rebuild on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("review", sa.JSON(), nullable=True))
    op.create_table(
        "review_items",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=True),
        sa.Column("subject_key", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.String(120), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("lane", sa.String(8), nullable=False),
        sa.Column("provisional_lane", sa.String(8), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("key_id", sa.String(12), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.JSON(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "stream", "subject_id", "subject_key", "entry_id", "entry_version", name="uq_review_items_match"
        ),
    )
    op.create_index("ix_review_items_status_decided", "review_items", ["status", "decided_at", "id"])
    op.create_index("ix_review_items_office_status_decided", "review_items", ["office_id", "status", "decided_at"])
    op.create_index("ix_review_items_unpublished", "review_items", ["published_at", "reviewed_at"])


def downgrade() -> None:
    op.drop_table("review_items")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("review")
