"""Storage on SQLAlchemy 2 Core: SQLite (WAL) by default, PostgreSQL for a service.

Nothing here is SQLite-only; every write that belongs to one decision happens in one transaction
opened by the caller with ``Store.begin()``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.exc import ArgumentError, OperationalError

from monitor.errors import ConfigError, MonitorError
from monitor.files import private_sqlite_file
from monitor.storage import schema as s
from monitor.storage.alert_queries import AlertQueries
from monitor.storage.sql import upsert


def _sqlite_pragmas(durable: bool) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL" if durable else "PRAGMA synchronous=OFF")
        cur.execute("PRAGMA busy_timeout=10000")
        if not durable:  # a throwaway database (replay): a 128 MiB page cache (twice that bought
            # nothing measurable at a million observations; the memory does more as incident cache)
            cur.execute("PRAGMA cache_size=-131072")
            cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    return apply


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits in an unknown field
        return json.dumps(value)


def make_engine(url: str, *, durable: bool = True) -> Engine:
    try:
        # orjson: the JSON columns (snapshots, incident state) are written for every batch.
        engine = create_engine(url, future=True, pool_pre_ping=True, json_serializer=_dumps, json_deserializer=orjson.loads)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise ConfigError("config", [("storage.url", f"not a usable database URL: {exc}")]) from None
    if engine.dialect.name == "sqlite":
        private_sqlite_file(url)  # it holds people's Slack ids: readable by its owner only
        event.listen(engine, "connect", _sqlite_pragmas(durable))
    return engine


class Store(AlertQueries):
    def __init__(self, url: str, *, migrate: bool = True, durable: bool = True):
        self.url = url
        self.engine = make_engine(url, durable=durable)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest revision (creates it on an empty database)."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(resources.files("monitor") / "migrations"))
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Replicas starting together: the first migrates, the others wait here until it
                    # commits and then find the schema at head (each statement sees the latest commit).
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrate", "schema")})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise MonitorError(f"cannot open the database: {exc.orig}") from None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # cursors ---------------------------------------------------------------------------------

    def get_cursor(self, source: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.cursors.c.cursor).where(s.cursors.c.source == source)).first()
        return dict(row[0]) if row else {}

    @staticmethod
    def set_cursor(conn: Connection, source: str, cursor: dict[str, Any], now: datetime) -> None:
        upsert(conn, s.cursors, {"source": source}, {"cursor": cursor, "updated_at": now})

    # reads used by export, replay and re-observation ------------------------------------------

    def observation_payloads(self, since: datetime, until: datetime | None = None,
                             brand: str | None = None, batch: int = 2000) -> Iterator[dict[str, Any]]:
        """Stored snapshots in event-time order, streamed in batches (memory stays flat)."""
        last: tuple[datetime, int] | None = None
        t = s.observations
        while True:
            q = select(t.c.id, t.c.observed_at, t.c.payload).where(t.c.observed_at >= since)
            if until is not None:
                q = q.where(t.c.observed_at < until)
            if brand is not None:
                q = q.where(t.c.brand == brand)
            if last is not None:
                q = q.where((t.c.observed_at > last[0]) | ((t.c.observed_at == last[0]) & (t.c.id > last[1])))
            q = q.order_by(t.c.observed_at, t.c.id).limit(batch)
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            for row in rows:
                yield dict(row.payload)
            last = (rows[-1].observed_at, rows[-1].id)

    def watched_posts(self, source: str, since: datetime, limit: int = 1000) -> list[str]:
        """Posts of ``source`` seen recently enough that their engagement is still worth following."""
        m = s.mentions
        q = (select(m.c.post_id).where(m.c.source == source, m.c.created_at >= since)
             .order_by(m.c.created_at.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(s.metadata.tables[table])).scalar_one())


# writes that two jobs (threads now, replicas later) can make at the same time ----------------------

def lock_brands(conn: Connection, brands: Iterable[str]) -> None:
    """Make this transaction the only writer of these brands' incidents until it ends.

    Everything a batch reads about a brand (incidents, their keys, day counts) and writes back must
    not interleave with another batch of the same brand, or the later commit overwrites the earlier
    one's decisions (an incident forgetting that it was alerted critical). PostgreSQL: one
    transaction-scoped advisory lock per brand, taken in sorted order so that two batches never wait
    on each other crosswise; held until commit or rollback, across processes and replicas. SQLite has
    one writer at a time anyway: taking the write lock before the first read (BEGIN IMMEDIATE) makes
    the batch read what the previous writer committed, instead of a snapshot that a concurrent commit
    makes stale.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        for brand in sorted(set(brands)):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": brand_lock_key(brand)})
    elif dialect == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def brand_lock_key(brand: str) -> int:
    """A stable signed 64-bit key for a brand (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.blake2b(b"monitor-brand\0" + brand.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_key(kind: str, name: str) -> int:
    """A stable signed 64-bit key for a cluster-wide lock (``brand_lock_key`` is ``advisory_key("brand", ...)``)."""
    digest = hashlib.blake2b(f"monitor-{kind}\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def exclusive(store: Store, name: str) -> Iterator[None]:
    """Run the block while no other process of this database runs a block of the same ``name``.

    PostgreSQL: a session advisory lock on a connection of its own, waited for, released at the end
    (or by the server when the process dies). SQLite: one process per database, nothing to do.
    """
    if store.engine.dialect.name != "postgresql":
        yield
        return
    key = advisory_key("exclusive", name)
    with store.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
            except Exception:  # noqa: BLE001 - a broken connection: the server dropped the lock with it
                conn.invalidate()
