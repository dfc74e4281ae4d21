"""lane overrides and the console: the current decision's override, every override with its publication state,
and the indexes of the console's queue and pages

Revision ID: 0005
Revises: 0004

Only added: a nullable column on `decisions`, a new table, indexes (no table rebuild on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: The partial index's condition, written as the queue's query writes it (literal values: SQLite uses a partial index
#: only for a query whose WHERE contains the index's terms exactly).
SELECTED = "lane IN ('red', 'yellow')"


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("override", sa.JSON(), nullable=True))
    op.create_table(
        "decision_overrides",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("decision_id", ROW_ID, sa.ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(8), nullable=False),
        sa.Column("previous_lane", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=True),
        sa.Column("overridden_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_decision_overrides_subject", "decision_overrides", ["stream", "subject_id"])
    op.create_index("ix_decision_overrides_published_at", "decision_overrides", ["published_at"])
    op.create_index("ix_decision_overrides_overridden_at", "decision_overrides", ["overridden_at"])
    # The console: an office's decisions in time order (queue, search), the selected ones in time order (the queue of
    # every office), and the lane mix of a period read from the index alone.
    op.create_index("ix_decisions_office_decided", "decisions", ["office_id", "decided_at", "event_id"])
    op.create_index(
        "ix_decisions_selected_decided",
        "decisions",
        ["decided_at", "event_id"],
        sqlite_where=sa.text(SELECTED),
        postgresql_where=sa.text(SELECTED),
    )
    op.create_index("ix_decisions_decided_stream_lane", "decisions", ["decided_at", "stream", "lane"])


def downgrade() -> None:
    op.drop_index("ix_decisions_decided_stream_lane", "decisions")
    op.drop_index("ix_decisions_selected_decided", "decisions")
    op.drop_index("ix_decisions_office_decided", "decisions")
    op.drop_table("decision_overrides")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("override")
