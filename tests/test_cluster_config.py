"""The replicas' config (``[cluster]``) and their schedule: job periods that every replica computes
alike, so that the database keeps one job per period."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import croniter
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.cluster.schedule import PERIODS, cron_for, period_for
from monitor.config.cluster import uses_job_engine
from monitor.config.settings import parse_config
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BRAND = '[[brands]]\nname = "Acme Air"\nkeywords = ["acme air"]\n'


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "test.toml", env={})
    return info.value.problems


def ticks(expr: str, n: int = 6, start: float = 1_700_000_000) -> list[float]:
    it = croniter.croniter(expr, start)
    return [it.get_next(float) for _ in range(n)]


@given(st.floats(min_value=0.1, max_value=10 * 86400), st.text(min_size=1, max_size=30))
def test_a_job_runs_at_its_period_never_slower_than_asked(interval: float, job: str) -> None:
    period = period_for(interval)
    assert period in PERIODS
    assert period <= max(interval, 1)
    assert not [p for p in PERIODS if period < p <= interval], "the longest period that fits"
    times = ticks(cron_for(interval, job))
    assert {b - a for a, b in zip(times, times[1:])} == {period}


@given(st.sampled_from(PERIODS), st.text(min_size=1, max_size=30))
def test_an_expressible_interval_is_kept_exactly_and_alike_on_every_replica(period: int, job: str) -> None:
    assert period_for(period) == period
    assert cron_for(period, job) == cron_for(float(period), job), "the same ticks whoever computes them"


def test_jobs_of_one_period_start_at_different_offsets() -> None:
    firsts = {ticks(cron_for(300, f"poll:{name}"), 1)[0] for name in ("x", "reddit", "news", "hackernews", "bluesky")}
    assert len(firsts) > 1


def test_engine_follows_the_storage_url_unless_told() -> None:
    sqlite = parse_config(BRAND, env={}).config
    pg = parse_config(BRAND + '[storage]\nurl = "postgresql+psycopg://m:m@db/monitor"\n', env={}).config
    forced = parse_config(BRAND + '[storage]\nurl = "postgresql://db/m"\n[cluster]\nengine = "apscheduler"\n',
                          env={}).config
    assert (uses_job_engine(sqlite), uses_job_engine(pg), uses_job_engine(forced)) == (False, True, False)


def test_cluster_keys_are_checked_by_name() -> None:
    assert problems(BRAND + "[cluster]\nconcurency = 4\n")[0][0] == "cluster.concurency"
    assert problems(BRAND + '[cluster]\nengine = "celery"\n')[0][0] == "cluster.engine"
    key, msg = problems(BRAND + '[cluster]\nheartbeat = "10s"\nstalled_after = "15s"\n')[0]
    assert key == "cluster" and "stalled_after" in msg and "heartbeat" in msg


def test_the_job_engine_on_sqlite_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(BRAND + f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n[cluster]\nengine = "procrastinate"\n'
                   "[daemon]\nhealth_port = 0\n[sources.hackernews]\n")
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "run", "--config", str(cfg)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "cluster.engine" in done.stderr and "PostgreSQL" in done.stderr and "Traceback" not in done.stderr


def test_every_replica_registers_the_same_periodic_jobs(tmp_path: Path) -> None:
    """The schedule and its locks, as two replicas build them (nothing connects to a database here)."""
    from monitor.cluster.jobs import Replica, build_app
    from monitor.config.settings import parse_config
    from monitor.daemon.app import Monitor

    toml = BRAND + f"""[storage]\nurl = "sqlite:///{tmp_path / 'm.db'}"\n[sources.hackernews]\ninterval = "7m"\n"""

    def periodic() -> dict:
        mon = Monitor.create(parse_config(toml, env={}))
        from prometheus_client import CollectorRegistry

        app = build_app(mon, mon.config.cluster, Replica("r", CollectorRegistry()), "dbname=unused")
        mon.close()
        return {pid: (p.cron, p.configure_kwargs.get("lock"), p.configure_kwargs.get("queueing_lock"))
                for (_, pid), p in app.periodic_registry.periodic_tasks.items()}

    first, second = periodic(), periodic()
    assert first == second, "the same ticks and locks on every replica"
    assert set(first) == {"poll:hackernews", "reobserve:hackernews", "deliver", "housekeeping", "retry-stalled"}
    assert first["poll:hackernews"][1:] == ("poll:hackernews", "poll:hackernews")
    assert ticks(first["poll:hackernews"][0], 2)[1] - ticks(first["poll:hackernews"][0], 1)[0] == 360, "7m runs every 6m"
    # The job that frees a dead replica's locks must not need one (a dead replica would hold it).
    assert first["retry-stalled"][1:] == (None, "retry-stalled")


def test_the_job_engine_connects_where_the_store_does() -> None:
    from psycopg.conninfo import conninfo_to_dict

    from monitor.cluster.runner import conninfo

    url = "postgresql+psycopg://mon%40itor:p%40ss%20w%27rd@db.internal:6543/monitor?options=-csearch_path%3Dteam_a&sslmode=require"
    assert conninfo_to_dict(conninfo(url)) == {"host": "db.internal", "port": "6543", "dbname": "monitor",
                                               "user": "mon@itor", "password": "p@ss w'rd",
                                               "options": "-csearch_path=team_a", "sslmode": "require"}
