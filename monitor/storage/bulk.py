"""Many-row INSERT and UPDATE without SQLAlchemy's per-row work, for the tables written by the million.

SQLAlchemy's executemany builds a parameter dictionary per row and runs every column's bind
processor through it: on SQLite that is about three quarters of the time a mention insert takes.
For a driver with positional parameters (SQLite's ``qmark``) the very same processors, taken from
the columns' types once per statement, are applied here in a flat loop and the rows go straight to
the driver's executemany. Other drivers go through SQLAlchemy as usual. Either way the database
holds the same values (``tests/test_bulk.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, Table, TypeDecorator, and_, bindparam, insert, update

Processor = Callable[[Any], Any] | None
ROWS_PER_CALL = 1000


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dictionaries with the same keys) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    procs = _processors(conn, table, names)
    if procs is None:
        conn.execute(insert(table), list(rows))
        return
    q = conn.dialect.identifier_preparer
    # Names come from our own schema, quoted; every value is a bound parameter.
    cols, marks = ", ".join(q.quote(n) for n in names), ", ".join("?" * len(names))
    sql = f"INSERT INTO {q.format_table(table)} ({cols}) VALUES ({marks})"  # noqa: S608
    _execute(conn, sql, rows, names, procs)


def update_rows(conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """UPDATE the rows of ``table`` whose ``keys`` columns equal each row's, setting its other values."""
    if not rows:
        return
    values = [n for n in rows[0] if n not in keys]
    names = [*values, *keys]
    procs = _processors(conn, table, names)
    if procs is None:
        cond = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
        stmt = update(table).where(cond).values({v: bindparam(f"v_{v}") for v in values})
        conn.execute(stmt, [{**{f"k_{k}": r[k] for k in keys}, **{f"v_{v}": r[v] for v in values}} for r in rows])
        return
    q = conn.dialect.identifier_preparer
    sets, where = ", ".join(f"{q.quote(v)} = ?" for v in values), " AND ".join(f"{q.quote(k)} = ?" for k in keys)
    sql = f"UPDATE {q.format_table(table)} SET {sets} WHERE {where}"  # noqa: S608
    _execute(conn, sql, rows, names, procs)


def _processors(conn: Connection, table: Table, names: Sequence[str]) -> list[Processor] | None:
    """Each named column's bind processor, or None when SQLAlchemy must do the work: a driver with
    named parameters, or a column left out that has a default to fill in."""
    dialect = conn.dialect
    if dialect.paramstyle != "qmark":
        return None
    if any(c.default is not None and c.name not in names for c in table.columns):
        return None
    procs: list[Processor] = []
    memos: dict[str, dict[Any, Any]] = {}  # by type as written (UTCDateTime()): same type, same text
    for n in names:
        col_type = table.c[n].type
        proc: Processor = col_type.dialect_impl(dialect).bind_processor(dialect)
        base = col_type.impl_instance if isinstance(col_type, TypeDecorator) else col_type
        if proc is not None and isinstance(base, DateTime):
            # Turning a datetime into SQLite's text costs microseconds, and the rows of a batch share
            # few instants (a mention's keys all carry its time): each is converted once per call.
            proc = _memoised(proc, memos.setdefault(repr(col_type), {}))
        procs.append(proc)
    return procs


def _memoised(proc: Callable[[Any], Any], memo: dict[Any, Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        out = memo.get(value)
        if out is None:
            out = memo[value] = proc(value)
        return out

    return convert


def _execute(conn: Connection, sql: str, rows: Sequence[Mapping[str, Any]], names: Sequence[str],
             procs: Sequence[Processor]) -> None:
    # A thousand rows at a time: converted, an incident's state is kilobytes of JSON, and a replay
    # writes tens of thousands of them at its end.
    for i in range(0, len(rows), ROWS_PER_CALL):
        conn.exec_driver_sql(sql, _positional(rows[i:i + ROWS_PER_CALL], names, procs))


def _positional(rows: Sequence[Mapping[str, Any]], names: Sequence[str],
                procs: Sequence[Processor]) -> list[tuple[Any, ...]]:
    get = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    # Every value of a column with a processor goes through it, None included (a JSON column
    # stores None as 'null').
    convert = [(i, p) for i, p in enumerate(procs) if p is not None]
    out = []
    for r in rows:
        values = list(get(r))
        for i, p in convert:
            values[i] = p(values[i])
        out.append(tuple(values))
    return out
