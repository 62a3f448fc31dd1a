"""Initial schema.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from monitor.storage import schema

revision = "0001"
down_revision = None


def upgrade() -> None:
    # The first revision creates the schema as monitor/storage/schema.py defines it at 0.1. Every later
    # change to schema.py comes with its own revision of explicit operations; a test compares the
    # migrated database with schema.py so the two cannot drift apart.
    schema.metadata.create_all(op.get_bind())


def downgrade() -> None:
    schema.metadata.drop_all(op.get_bind())
