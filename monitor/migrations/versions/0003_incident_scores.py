"""incident_scores: an incident's score and tier over time, for the incident pages' score chart.

Revision ID: 0003
Revises: 0002_wide_counts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import create_table_once

revision = "0003"
down_revision = "0002_wide_counts"


def upgrade() -> None:
    create_table_once(
        "incident_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        indexes={"ix_incident_scores_incident": ["incident_id", "at"]},
    )


def downgrade() -> None:
    op.drop_index("ix_incident_scores_incident", "incident_scores")
    op.drop_table("incident_scores")
