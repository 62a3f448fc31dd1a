"""Alembic's revisions of the schema (``versions/``), and what several of them do alike."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_table_once(name: str, *columns: sa.Column[object], indexes: dict[str, list[str]] | None = None) -> None:
    """Create the table a revision adds, and its indexes, unless the database has it already: 0001 creates
    a new database from the current schema.py, which has every table a later revision adds."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *columns)
    for index, keys in (indexes or {}).items():
        op.create_index(index, name, keys)
