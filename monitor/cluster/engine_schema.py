"""procrastinate's tables, created on a fresh database and upgraded after a procrastinate upgrade,
once, however many replicas start at the same moment.

procrastinate ships its whole schema (``schema.sql``) and one SQL file per later change
(``sql/migrations/<version>_<serial>_<pre|post>_<what>.sql``) and leaves it to its user to track which
ran. Here that is one row of ``job_engine_schema``: the newest migration the schema includes. Under a
transaction-scoped advisory lock (the same idea as ``Store.migrate``), the first replica applies what
is missing and records it; the others wait on the lock, then find nothing to do. Upgrades apply every
missing file, ``pre`` and ``post`` alike, which is procrastinate's "with service interruption" path: to
upgrade procrastinate across a version that ships migrations, stop the replicas, start the new ones.
"""

from __future__ import annotations

import logging
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from monitor.errors import MonitorError
from monitor.storage.store import Store, advisory_key

log = logging.getLogger("monitor.cluster")

ENGINE = "procrastinate"
MARKER = "job_engine_schema"


def bundled() -> tuple[str, list[Path]]:
    """procrastinate's full schema and its migration files, oldest first."""
    sql = resources.files("procrastinate") / "sql"
    schema = (sql / "schema.sql").read_text(encoding="utf-8")
    migrations = sorted((Path(str(sql / "migrations"))).glob("*.sql"), key=lambda p: p.name)
    return schema, migrations


def ensure_engine_schema(store: Store, *, schema: str | None = None, migrations: list[Path] | None = None) -> list[str]:
    """Bring procrastinate's tables to the installed version; returns what was applied (``schema.sql``
    or migration file names), empty when another replica already did it."""
    if schema is None or migrations is None:
        schema, migrations = bundled()
    newest = migrations[-1].name if migrations else ""
    applied: list[str] = []
    with store.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("migrate", "job-engine")})
        conn.execute(text("CREATE TABLE IF NOT EXISTS job_engine_schema (engine text PRIMARY KEY, migration text NOT NULL, "
                          "version text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"))
        present = conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
        row = conn.execute(text("SELECT migration FROM job_engine_schema WHERE engine = :e"), {"e": ENGINE}).first()
        if not present:
            _run_script(conn, schema, "schema.sql")
            applied.append("schema.sql")
        elif row is not None:
            for path in migrations:
                if path.name > row.migration:
                    _run_script(conn, path.read_text(encoding="utf-8"), path.name)
                    applied.append(path.name)
        if applied or row is None or row.migration != newest:
            conn.execute(text("INSERT INTO job_engine_schema (engine, migration, version) VALUES (:e, :m, :v) "
                              "ON CONFLICT (engine) DO UPDATE SET migration = excluded.migration, "
                              "version = excluded.version, applied_at = now()"),
                         {"e": ENGINE, "m": newest, "v": _version()})
    if applied:
        log.info("job engine schema applied", extra={"engine": ENGINE, "version": _version(), "applied": applied})
    return applied


def _run_script(conn: Connection, script: str, name: str) -> None:
    # The driver's cursor, without parameters: the script holds many statements and literal '%'s.
    cursor: Any = conn.connection.cursor()
    try:
        cursor.execute(script)
    except Exception as exc:  # noqa: BLE001 - said with the file's name; the transaction rolls back whole
        raise MonitorError(f"job engine schema: {name} failed: {exc}") from None
    finally:
        cursor.close()


def _version() -> str:
    try:
        return metadata.version("procrastinate")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed with the postgres extra
        return "unknown"
