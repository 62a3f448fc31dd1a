"""Faults under a running monitor: the database connections die, a batch fails half-way."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from monitor.config.settings import parse_config
from monitor.models import Author, Metrics, Observation
from monitor.pipeline.factory import build_pipeline
from monitor.storage.store import Store
from tests.conftest import FakeClock

CONFIG = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config


def test_postgresql_restart_under_a_running_pipeline(db_url: str, scorer) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    clock = FakeClock()
    store = Store(db_url)
    pipe = build_pipeline(store, CONFIG, scorer, clock, channels=("console",))
    pipe.process([Observation("x", "1", "Acme Air lost my bag", clock(), clock(), author=Author(handle="a"))])
    # What a server restart does to the clients: every connection of the monitor is cut.
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert killed >= 1
    clock.advance(minutes=5)
    pipe.process([Observation("x", "2", "Acme Air lost my bag again", clock(), clock(), author=Author(handle="a"),
                              metrics=Metrics(likes=2))])
    assert store.count("mentions") == 2
    store.close()
