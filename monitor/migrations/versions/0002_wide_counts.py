"""Counts in 64 bits: mentions.followers, mentions.engagement and brand_days.engagement.

PostgreSQL's INTEGER holds 32 bits: one post with 2,147,483,648 likes (or a brand's day adding up to
that) failed the whole batch. SQLite's INTEGER is 64-bit already, so only PostgreSQL is altered.

Revision ID: 0002_wide_counts
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_wide_counts"
down_revision = "0001"

COLUMNS = (("mentions", "followers", True), ("mentions", "engagement", False), ("brand_days", "engagement", False))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=nullable)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=nullable)
