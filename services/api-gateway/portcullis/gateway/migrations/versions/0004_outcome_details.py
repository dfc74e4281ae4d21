"""outcome details (seizure, inspection minutes) and corrections: versions, the superseded ones kept

Revision ID: 0004
Revises: 0003

Every stored outcome so far is version 1. Columns are only added to `outcomes` (no table rebuild on SQLite), and
its unique keys stay, so a gateway of the previous release still running during the rollout keeps recording.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("seizure", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("inspection_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))
    op.create_table(
        "outcome_versions",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("irregularity_found", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("revenue_recovered", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("officer_id", sa.String(40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seizure", sa.JSON(), nullable=True),
        sa.Column("inspection_minutes", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("stream", "subject_id", "version", name="uq_outcome_versions_version"),
    )


def downgrade() -> None:
    op.drop_table("outcome_versions")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("correction_reason")
        batch.drop_column("inspection_minutes")
        batch.drop_column("seizure")
        batch.drop_column("version")
