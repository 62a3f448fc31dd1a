"""The statements every storage module shares, in the database's own dialect, and what they need of a
store: below ``store.py``, ``alert_queries.py`` and ``actions.py``, which import it and not one another
upwards."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from monitor.errors import MonitorError


class Transactional(Protocol):
    """A store as the storage modules below it see one: something that opens a transaction."""

    def begin(self) -> AbstractContextManager[Connection]: ...


def upsert(conn: Connection, table: Table, keys: Mapping[str, Any], values: Mapping[str, Any], *,
           add: bool = False) -> None:
    """INSERT a row, or UPDATE it where one with these ``keys`` exists: in one statement, so that two
    writers meeting on a new row do not both try to insert it. ``add`` adds ``values`` to the stored
    numbers (counters) instead of replacing them."""
    stmt = _dialect_insert(conn, table).values({**keys, **values})
    new = stmt.excluded
    changes = {n: (table.c[n] + new[n] if add else new[n]) for n in values}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes))


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """INSERT rows, skipping those whose unique key is already stored; returns how many went in."""
    if not rows:
        return 0
    done = conn.execute(_dialect_insert(conn, table).on_conflict_do_nothing(), rows)
    return max(0, done.rowcount)


def _dialect_insert(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise MonitorError(f"storage: the {name} database is not supported (SQLite or PostgreSQL)")
