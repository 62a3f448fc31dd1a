"""set_aside: posts the database refused, kept with their reason while their batch is stored.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import create_table_once

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    create_table_once(
        "set_aside",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("post_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        indexes={"ix_set_aside_source": ["source", "at"]},
    )


def downgrade() -> None:
    op.drop_index("ix_set_aside_source", table_name="set_aside")
    op.drop_table("set_aside")
