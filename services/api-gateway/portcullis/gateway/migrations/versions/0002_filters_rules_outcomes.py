"""decision filter columns, decision_rules, outcomes

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("office_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("importer_id", sa.String(64), nullable=True))
    op.create_index("ix_decisions_office", "decisions", ["office_id"])
    op.create_index("ix_decisions_importer", "decisions", ["importer_id"])
    op.create_index("ix_decisions_decided_at_id", "decisions", ["decided_at", "id"])
    op.create_index("ix_decisions_score_id", "decisions", ["score", "id"])
    op.create_table(
        "decision_rules",
        sa.Column(
            "decision_id", ROW_ID, sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, nullable=False
        ),
        sa.Column("rule_id", sa.String(80), primary_key=True, nullable=False),
    )
    op.create_index("ix_decision_rules_rule", "decision_rules", ["rule_id"])
    op.create_table(
        "outcomes",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("decision_id", ROW_ID, sa.ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("irregularity_found", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("revenue_recovered", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("officer_id", sa.String(40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("stream", "subject_id", name="uq_outcomes_stream_subject"),
        sa.UniqueConstraint("decision_id", name="uq_outcomes_decision"),
    )
    op.create_index("ix_outcomes_published_at", "outcomes", ["published_at"])


def downgrade() -> None:
    op.drop_table("outcomes")
    op.drop_table("decision_rules")
    op.drop_index("ix_decisions_score_id", "decisions")
    op.drop_index("ix_decisions_decided_at_id", "decisions")
    op.drop_index("ix_decisions_importer", "decisions")
    op.drop_index("ix_decisions_office", "decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("importer_id")
        batch.drop_column("office_id")
        batch.drop_column("attributes")
