"""Fresh PostgreSQL schemas inside the test database, for tests that run whole processes on it.

Each schema is a database of its own for the monitor and its job engine (``search_path`` in the URL),
so a test never touches another's tables. Skipped without ``MONITOR_TEST_POSTGRES_URL``; CI sets it.
"""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")


def require_postgres() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must provide MONITOR_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("set MONITOR_TEST_POSTGRES_URL to run the PostgreSQL tests")
    return POSTGRES_URL


def fresh_schema(name: str) -> str:
    """An empty schema ``name`` (dropped first if left over); returns a URL whose connections use it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = require_postgres()
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False)


def drop_schema(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(require_postgres())
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()
