"""decision versions: amendments replace the current decision, earlier versions are kept

Revision ID: 0003
Revises: 0002

Every stored decision so far is version 1 of its subject; its event id (the live stream's) is its row id, so a
client's Last-Event-ID stays valid. Columns are only added (never a table rebuild on SQLite, which would drop the
rows that outcomes refer to).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("event_id", ROW_ID, nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("content_digest", sa.String(64), nullable=True))
    op.execute("UPDATE decisions SET event_id = id")
    op.create_index("ix_decisions_event_id", "decisions", ["event_id"], unique=True)
    # Pages break ties by the id the API shows, which is now the event id.
    op.drop_index("ix_decisions_decided_at_id", "decisions")
    op.drop_index("ix_decisions_score_id", "decisions")
    op.create_index("ix_decisions_decided_at_event", "decisions", ["decided_at", "event_id"])
    op.create_index("ix_decisions_score_event", "decisions", ["score", "event_id"])
    op.create_table(
        "decision_versions",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=True),
        sa.Column("lane", sa.String(8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.UniqueConstraint("stream", "subject_id", "content_digest", name="uq_decision_versions_digest"),
    )
    op.create_index("ix_decision_versions_subject", "decision_versions", ["stream", "subject_id", "version"])


def downgrade() -> None:
    op.drop_table("decision_versions")
    op.drop_index("ix_decisions_score_event", "decisions")
    op.drop_index("ix_decisions_decided_at_event", "decisions")
    op.create_index("ix_decisions_decided_at_id", "decisions", ["decided_at", "id"])
    op.create_index("ix_decisions_score_id", "decisions", ["score", "id"])
    op.drop_index("ix_decisions_event_id", "decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("content_digest")
        batch.drop_column("version")
        batch.drop_column("event_id")
