"""brand_days.answers (the brand's own public answers per day) and brand_pulse (its last hours).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.migrations import create_table_once

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # 0001 creates a new database from the current schema, which already has both.
    if "answers" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("brand_days")}:
        op.add_column("brand_days", sa.Column("answers", sa.Integer(), nullable=False, server_default="0"))
    create_table_once("brand_pulse", sa.Column("brand", sa.String(200), primary_key=True),
                      sa.Column("state", sa.JSON(), nullable=False))


def downgrade() -> None:
    op.drop_table("brand_pulse")
    op.drop_column("brand_days", "answers")
