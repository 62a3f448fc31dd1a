"""incident_scores: an incident's score and tier over time, for the incident pages' score chart.

Revision ID: 0003
Revises: 0002_wide_counts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_wide_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 creates every table schema.py defines, so a database made from scratch has this one already.
    if sa.inspect(op.get_bind()).has_table("incident_scores"):
        return
    op.create_table(
        "incident_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
    )
    op.create_index("ix_incident_scores_incident", "incident_scores", ["incident_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_incident_scores_incident", "incident_scores")
    op.drop_table("incident_scores")
