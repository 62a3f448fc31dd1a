"""The stored history behind the incident commands and pages: score points, the migration that adds
them, their retention, and finding an incident by a part of its id. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text, update

from monitor.config.settings import RetentionConfig, parse_config
from monitor.daemon.app import Monitor
from monitor.models import Author, Metrics, Observation, Tier
from monitor.storage import schema as s
from monitor.storage.incident_views import NoSuchIncident, incident_history, resolve
from monitor.storage.retention import prune
from monitor.storage.scorelog import ScoreLog
from monitor.storage.store import Store
from tests.conftest import FakeClock


def loaded(url: str):
    return parse_config(f'[storage]\nurl = "{url}"\n[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'
                        '[alerts]\nmin_tier = "watch"\n', env={})


def complaint(n: int, clock: FakeClock, likes: int = 5) -> Observation:
    return Observation("x", f"p{n}", f"Acme Air lost my bag on flight 4471, nobody answers, third call, refund now {n}",
                       clock(), clock(), author=Author(handle=f"user{n}", followers=300), metrics=Metrics(likes=likes))


def points(store: Store, incident: str | None = None) -> list[tuple]:
    t = s.incident_scores
    q = select(t.c.incident_id, t.c.at, t.c.score, t.c.tier).order_by(t.c.id)
    if incident:
        q = q.where(t.c.incident_id == incident)
    with store.begin() as conn:
        return [tuple(r) for r in conn.execute(q)]


def test_the_daemon_records_score_over_time_after_each_batch(db_url: str, scorer) -> None:
    clock = FakeClock()
    mon = Monitor.create(loaded(db_url), clock, scorer=scorer, channels={})
    try:
        for n in range(6):
            clock.advance(minutes=20)
            mon.process_batch([complaint(n, clock)])
        recorded = points(mon.store)
        assert recorded, "assessments become points"
        incident = recorded[0][0]
        mine = points(mon.store, incident)
        assert [p[1] for p in mine] == sorted(p[1] for p in mine)
        with mon.store.begin() as conn:
            row = conn.execute(select(s.incidents.c.score, s.incidents.c.tier).where(s.incidents.c.id == incident)).one()
        assert mine[-1][2] == pytest.approx(row.score, abs=0.01) and mine[-1][3] == row.tier
        h = incident_history(mon.store, incident, clock(), 3 * 86400)
        assert [(at, round(sc, 4), tier) for _, at, sc, tier in mine] == [(a, round(b, 4), c) for a, b, c in h["points"]]
    finally:
        mon.close()


def test_a_failed_batch_records_no_points(db_url: str) -> None:
    clock = FakeClock()

    class Exploding:
        def score(self, text, **kw):
            raise RuntimeError("scorer crashed")

    mon = Monitor.create(loaded(db_url), clock, scorer=Exploding(), channels={})
    try:
        with pytest.raises(RuntimeError):
            mon.process_batch([complaint(1, clock)])
        assert points(mon.store) == [] and mon.scores.pending == {}
    finally:
        mon.close()


def test_score_log_thins_points(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    clock = FakeClock()
    log = ScoreLog(min_change=0.01, min_gap=3600)
    log.observe("inc-1", "Acme", clock(), 0.40, Tier.watch)
    log.observe("inc-1", "Acme", clock(), 0.41, Tier.watch)  # the same instant: the latest counts
    clock.advance(minutes=5)
    log.observe("inc-1", "Acme", clock(), 0.412, Tier.watch)  # too small a move, too soon: skipped
    clock.advance(minutes=5)
    log.observe("inc-1", "Acme", clock(), 0.56, Tier.warning)
    assert log.flush(store) == 2
    clock.advance(minutes=30)
    log.observe("inc-1", "Acme", clock(), 0.561, Tier.warning)  # still too close to the last one written
    clock.advance(hours=1)
    log.observe("inc-1", "Acme", clock(), 0.562, Tier.warning)  # an hour on: written
    assert log.flush(store) == 1
    assert [(round(p[2], 3), p[3]) for p in points(store)] == [(0.41, 1), (0.56, 2), (0.562, 2)]
    store.close()


def _head() -> str:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("monitor") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_a_database_made_before_score_points_is_migrated(db_url: str) -> None:
    store = Store(db_url)
    with store.begin() as conn:
        conn.execute(text("DROP TABLE incident_scores"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    store.close()
    again = Store(db_url)
    with again.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), s.metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
    again.close()


def test_retention_prunes_the_points_of_old_incidents(db_url: str, scorer) -> None:
    clock = FakeClock()
    mon = Monitor.create(loaded(db_url), clock, scorer=scorer, channels={})
    try:
        for n in range(3):
            clock.advance(minutes=20)
            mon.process_batch([complaint(n, clock)])
        assert points(mon.store)
        clock.advance(days=400)
        prune(mon.store, RetentionConfig(incidents=365 * 86400), clock)
        assert points(mon.store) == []
    finally:
        mon.close()


def test_an_incident_is_found_by_its_id_or_a_part_of_it(db_url: str) -> None:
    store = Store(db_url)
    clock = FakeClock()
    with store.begin() as conn:
        for ident in ("inc-3b3eabb08d8d", "inc-3b3e00000000", "inc-c9e77dfa873c"):
            conn.execute(insert(s.incidents).values(id=ident, brand="Acme", first_seen=clock(), last_seen=clock(),
                                                    tier=1, alerted_tier=0, score=0.4, mentions=1, authors=1, state={}))
    assert resolve(store, "inc-3b3eabb08d8d") == "inc-3b3eabb08d8d"
    assert resolve(store, "3b3eab") == "inc-3b3eabb08d8d" and resolve(store, "inc-c9e7") == "inc-c9e77dfa873c"
    for bad in ("3b3e", "inc-", "zzzz", "c9e", "%%%%", "____"):
        with pytest.raises(NoSuchIncident):
            resolve(store, bad)
    # Without recorded points (an incident older than them), the chart falls back to where it stands.
    with store.begin() as conn:
        conn.execute(update(s.incidents).where(s.incidents.c.id == "inc-c9e77dfa873c").values(score=0.5, tier=1))
    h = incident_history(store, "inc-c9e77dfa873c", clock() + timedelta(hours=1), 86400)
    assert h["points"] == [(clock(), 0.5, 1)] and h["incident"]["open"] is True
    store.close()
