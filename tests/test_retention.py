"""Retention: months of simulated traffic with daily housekeeping; the database stops growing, recent
data and the incident history stay. The clock is injected: nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from monitor.config.settings import RetentionConfig, parse_config
from monitor.models import Author, Metrics, Observation
from monitor.pipeline.core import Pipeline
from monitor.pipeline.factory import build_pipeline
from monitor.storage import schema as s
from monitor.storage.retention import prune
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import climb, queue

CONFIG = parse_config('[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n[alerts]\nmin_tier = "watch"\n',
                      env={}).config
TABLES = ("observations", "mentions", "incidents", "incident_keys", "outbox", "brand_days")


def day_of_traffic(pipeline: Pipeline, clock: FakeClock, day: int) -> None:
    """Twenty new posts, then each observed again three times as its engagement grows."""
    posts = [Observation("x", f"{day}-{i}", f"Acme Air lost my bag again, day {day}, flight {i % 4}",
                         clock(), clock(), author=Author(id=f"u{day}-{i}", handle=f"user{day}-{i}"), metrics=Metrics(likes=i))
             for i in range(20)]
    pipeline.process(posts, source="x", cursor={"since_id": f"{day}"})
    for step in range(1, 4):
        clock.advance(hours=2)
        pipeline.process([Observation(o.source, o.id, o.text, o.created_at, clock(), author=o.author,
                                      metrics=Metrics(likes=10 * step + n)) for n, o in enumerate(posts)])


def counts(store: Store) -> dict[str, int]:
    return {t: store.count(t) for t in TABLES}


def test_database_stops_growing_and_keeps_recent_data_and_history(db_url: str, scorer) -> None:
    store = Store(db_url)
    clock = FakeClock()
    pipeline = build_pipeline(store, CONFIG, scorer, clock, channels=("console",))
    retention = RetentionConfig(observations=7 * 86400, incidents=30 * 86400, batch=100)
    start = clock()
    sizes: list[dict[str, int]] = []
    for day in range(75):
        day_of_traffic(pipeline, clock, day)
        clock.now = start + timedelta(days=day + 1)
        if day == 40:  # an alert still waiting for its channel is never pruned, nor is its incident
            queue(store, *climb("inc-pending", start=clock() - timedelta(days=1)), channels=("slack",))
        with store.begin() as conn:  # the day's alerts were delivered
            conn.execute(update(s.outbox).where(s.outbox.c.incident_id != "inc-pending").values(sent_at=clock()))
        result = prune(store, retention, clock)
        assert result.total == 0 or result.batches >= 1
        sizes.append(counts(store))

    # Growth stops once the oldest data reaches its retention age.
    assert sizes[-1]["observations"] == sizes[40]["observations"] <= 8 * 80
    assert sizes[-1]["mentions"] <= sizes[35]["mentions"] + 20
    assert sizes[-1]["incident_keys"] <= sizes[35]["incident_keys"] + 100
    assert sizes[-1]["brand_days"] <= 31

    now = clock()
    with store.engine.connect() as conn:
        oldest_obs = conn.execute(select(s.observations.c.observed_at).order_by(s.observations.c.observed_at)).first()
        incidents = conn.execute(select(s.incidents.c.id, s.incidents.c.last_seen)).all()
        pending = conn.execute(select(s.outbox.c.id).where(s.outbox.c.incident_id == "inc-pending")).all()
    assert oldest_obs is not None and now - oldest_obs[0] <= timedelta(days=7)
    # Recent snapshots are all there: 80 a day for the last week.
    assert len(list(store.observation_payloads(now - timedelta(days=6)))) == 6 * 80
    # Incident history is kept much longer than snapshots, and nothing older than its age.
    assert any(now - last_seen > timedelta(days=20) for _, last_seen in incidents)
    assert all(now - last_seen <= timedelta(days=30) for i, last_seen in incidents if i != "inc-pending")
    assert len(pending) == 3

    # Once delivered and old, the alert and its incident go too; running again removes nothing more.
    with store.begin() as conn:
        conn.execute(update(s.outbox).values(sent_at=now))
        conn.execute(update(s.incidents).where(s.incidents.c.id == "inc-pending").values(last_seen=start))
    clock.advance(days=31)
    assert prune(store, retention, clock).deleted.get("outbox", 0) >= 3
    assert prune(store, retention, clock).total == 0
    store.close()


def test_zero_keeps_everything(tmp_path, scorer) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    clock = FakeClock()
    day_of_traffic(build_pipeline(store, CONFIG, scorer, clock, channels=("console",)), clock, 0)
    before = counts(store)
    clock.advance(days=3000)
    assert prune(store, RetentionConfig(observations=0, incidents=0), clock).total == 0
    assert counts(store) == before
    store.close()


def test_housekeeping_job_is_scheduled_and_counts(tmp_path, scorer) -> None:
    from monitor.daemon.app import Monitor
    from monitor.daemon.scheduler import build_scheduler, housekeeping

    loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "h.db"}"\n[[brands]]\nname = "Acme Air"\n'
                          'keywords = ["acme air"]\n[retention]\nobservations = "2d"\ninterval = "6h"\n', env={})
    clock = FakeClock()
    mon = Monitor.create(loaded, clock, scorer=scorer)
    job = {j.id: j for j in build_scheduler(mon).get_jobs()}["housekeeping"]
    assert job.trigger.interval.total_seconds() == 6 * 3600 and job.max_instances == 1
    day_of_traffic(mon.pipeline, clock, 0)
    clock.advance(days=3)
    assert housekeeping(mon) == 80
    from prometheus_client import generate_latest

    assert 'monitor_retention_deleted_rows_total{table="observations"} 80.0' in generate_latest(mon.metrics.registry).decode()
    mon.close()
