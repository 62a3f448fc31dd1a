from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# praw refuses to move its endpoints without this; the sources set it too, tests make it explicit.
os.environ.setdefault("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")


class FakeClock:
    """Injected time: tests move it by hand, nothing sleeps."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def scorer():
    from monitor.scoring import MentionScorer

    return MentionScorer()


POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite always; PostgreSQL when MONITOR_TEST_POSTGRES_URL is set (CI sets it)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must provide MONITOR_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("set MONITOR_TEST_POSTGRES_URL to run the PostgreSQL variant")
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL
