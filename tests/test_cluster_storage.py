"""What replicas share in PostgreSQL: migrations run once when they start together, the job engine's
schema is created or upgraded once, and cluster-wide exclusive sections exclude across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.cluster.engine_schema import ensure_engine_schema
from monitor.errors import MonitorError
from monitor.storage.store import Store, exclusive
from tests.pg import drop_schema, fresh_schema

STARTING = 4
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg_url(request: pytest.FixtureRequest):
    name = f"cluster_{request.node.name[:40]}".lower()
    yield fresh_schema(name)
    drop_schema(name)


def together(n: int, work) -> list:
    """Run ``work(i)`` on ``n`` threads released at the same instant; returns results or exceptions."""
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - returned to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


STARTER = """
import json, sys, time
from monitor.storage.store import Store
from monitor.cluster.engine_schema import ensure_engine_schema
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all processes go at the same instant
print(json.dumps(ensure_engine_schema(Store(sys.argv[1]))))
"""


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    """Processes, as replicas are (alembic's command context is one per process)."""
    at = time.time() + 4
    procs = [subprocess.Popen([sys.executable, "-c", STARTER, pg_url, str(at)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(STARTING)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * STARTING, [err[-2000:] for _, err in outs]
    applied = sorted(json.loads(out) for out, _ in outs)
    assert applied == [[]] * (STARTING - 1) + [["schema.sql"]], "one replica applied the engine schema"
    store = Store(pg_url, migrate=False)
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1
        assert conn.execute(text("select count(*) from job_engine_schema")).scalar() == 1
        assert conn.execute(text("select to_regclass('procrastinate_jobs')")).scalar() is not None
    assert ensure_engine_schema(store) == [], "a restart finds nothing to do"
    store.close()


def test_engine_upgrade_applies_each_missing_migration_once(pg_url: str, tmp_path: Path) -> None:
    store = Store(pg_url)
    first = tmp_path / "03.00.00_01_pre_first.sql"
    first.write_text("CREATE TABLE first_step (id int);")
    schema = "CREATE TABLE procrastinate_jobs (id int); CREATE TABLE first_step (id int);"
    assert ensure_engine_schema(store, schema=schema, migrations=[first]) == ["schema.sql"]
    # A newer procrastinate brings two more migrations; replicas of the new version start together.
    pre = tmp_path / "03.01.00_01_pre_second.sql"
    pre.write_text("CREATE TABLE second_step (id int); INSERT INTO second_step VALUES (1);")
    post = tmp_path / "03.01.00_50_post_second.sql"
    post.write_text("UPDATE second_step SET id = id + 1;  -- a literal % sign in a comment")
    results = together(STARTING, lambda _: ensure_engine_schema(Store(pg_url, migrate=False), schema=schema,
                                                                  migrations=[first, pre, post]))
    assert sorted(results, key=len) == [[]] * (STARTING - 1) + [[pre.name, post.name]]
    with store.engine.connect() as conn:
        assert conn.execute(text("select id from second_step")).scalars().all() == [2], "each migration ran once"
        assert conn.execute(text("select migration from job_engine_schema")).scalar() == post.name


def test_a_failing_engine_migration_names_its_file_and_changes_nothing(pg_url: str, tmp_path: Path) -> None:
    store = Store(pg_url)
    first = tmp_path / "03.00.00_01_pre_first.sql"
    first.write_text("SELECT 1;")
    ensure_engine_schema(store, schema="CREATE TABLE procrastinate_jobs (id int);", migrations=[first])
    bad = tmp_path / "03.02.00_01_pre_broken.sql"
    bad.write_text("CREATE TABLE half_done (id int); ALTER TABLE no_such_table ADD COLUMN x int;")
    with pytest.raises(MonitorError, match="03.02.00_01_pre_broken.sql"):
        ensure_engine_schema(store, schema="", migrations=[first, bad])
    with store.engine.connect() as conn:
        assert conn.execute(text("select to_regclass('half_done')")).scalar() is None
        assert conn.execute(text("select migration from job_engine_schema")).scalar() == first.name


def test_exclusive_sections_exclude_across_processes(pg_url: str) -> None:
    """Two Stores are two connection pools, as two replicas have: their sections never overlap."""
    stores = [Store(pg_url, migrate=i == 0) for i in range(3)]
    inside: list[int] = []
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def section(i: int) -> None:
        for _ in range(3):
            with exclusive(stores[i], "deliver"):
                with lock:
                    inside.append(i)
                    assert len(inside) == 1, "two processes inside at once"
                began = time.monotonic()
                time.sleep(0.05)
                with lock:
                    inside.remove(i)
                spans.append((began, time.monotonic()))

    assert not [r for r in together(3, section) if isinstance(r, Exception)]
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "one section at a time"
    with exclusive(stores[0], "deliver"):  # and the lock was released each time
        pass
