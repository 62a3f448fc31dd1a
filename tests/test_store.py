"""Storage: migrations match the schema, nothing is lost on re-open, the scheduler is set up as intended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from monitor.config.settings import parse_config
from monitor.models import Author, Metrics, Observation
from monitor.pipeline.factory import build_pipeline
from monitor.storage.schema import metadata
from monitor.storage.store import Store
from tests.conftest import FakeClock

CONFIG = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n', env={}).config


def test_migrated_database_matches_the_schema(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert "alembic_version" in inspect(store.engine).get_table_names()
    store.close()


def test_migrate_is_idempotent_and_keeps_data(db_url: str, scorer) -> None:
    url = db_url
    clock = FakeClock()
    store = Store(url)
    obs = Observation("x", "1", "Acme Air lost my bag, still no answer", clock(), clock(), author=Author(handle="a"),
                      metrics=Metrics(likes=3))
    build_pipeline(store, CONFIG, scorer, clock, channels=("console",)).process([obs], source="x", cursor={"since_id": "1"})
    store.close()
    again = Store(url)  # runs the migrations again on an existing database
    assert again.count("mentions") == 1 and again.count("observations") == 1
    assert again.get_cursor("x") == {"since_id": "1"}
    payloads = list(again.observation_payloads(clock() - timedelta(days=1)))
    assert payloads[0]["id"] == "1" and payloads[0]["brand"] == "Acme Air"
    again.close()


def test_failed_batch_commits_nothing(db_url: str, scorer) -> None:
    store = Store(db_url)
    clock = FakeClock()

    class Exploding:
        def score(self, text, **kw):
            raise RuntimeError("scorer crashed")

    good = Observation("x", "1", "Acme Air lost my bag", clock(), clock())
    try:
        build_pipeline(store, CONFIG, Exploding(), clock, channels=("console",)).process([good], source="x", cursor={"since_id": "1"})
    except RuntimeError:
        pass
    assert store.count("mentions") == 0 and store.count("observations") == 0
    assert store.get_cursor("x") == {}
    store.close()


def test_scheduler_jobs(tmp_path: Path, scorer) -> None:
    from monitor.config.settings import parse_config as pc
    from monitor.daemon.app import Monitor
    from monitor.daemon.scheduler import build_scheduler

    loaded = pc(f'[storage]\nurl = "sqlite:///{tmp_path / "s.db"}"\n[[brands]]\nname = "A"\nkeywords = ["a"]\n'
                '[sources.x]\nbearer_token = "t0ken-value"\ninterval = "90s"\n[sources.reddit]\nenabled = false\n', env={})
    mon = Monitor.create(loaded, FakeClock(), scorer=scorer)
    sched = build_scheduler(mon)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert {"poll:x", "reobserve:x", "deliver"} <= set(jobs)
    poll = jobs["poll:x"]
    assert poll.max_instances == 1 and poll.coalesce is True
    assert poll.trigger.interval.total_seconds() == 90 and poll.trigger.jitter == 10
    mon.close()
