"""Every failure of a poll or a re-read goes through the source's failure path (back-off, metrics, health,
one report), polls and re-reads back off apart, recovery is logged, and a stuck source shows in /readyz
and /metrics. Real fake APIs on 127.0.0.1, real SQLite, a fake clock."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from monitor.config.settings import parse_config
from monitor.daemon.app import Monitor
from monitor.daemon.health import HealthServer
from monitor.models import BrandQuery, Observation, PollResult
from tests.conftest import FakeClock
from tests.fakes.hostile import HostileAPI
from tests.fakes.keyless import FakeKeyless

SEARCH = "/api/v1/search_by_date"


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def monitor(tmp_path: Path, base: str, clock: FakeClock, scorer, extra: str = "") -> Monitor:
    loaded = parse_config(f"""
[storage]
url = "sqlite:///{tmp_path / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.hackernews]
api_base_url = "{base}"
{extra}
""")
    return Monitor.create(loaded, clock, scorer=scorer, channels={})


def failures(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == event]


def metric(mon: Monitor, name: str, **labels: str) -> float:
    value = mon.metrics.registry.get_sample_value(name, labels)
    assert value is not None, name
    return value


def test_polls_and_reobservations_back_off_apart_and_recovery_is_logged(
        tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="monitor")
    mon = monitor(tmp_path, f"{fake.url}/api/v1", clock, scorer)
    story = fake.add_hn_story("acme air lost my bag", created=time.time() - 600, points=3)
    assert mon.poll_source("hackernews") == 1
    fake.set_hn_points(story, 40)
    fake.fail_next(SEARCH, 500, times=10**6)  # the search fails; the look-up of known stories does not
    for _ in range(3):
        clock.advance(hours=1)
        assert mon.poll_source("hackernews") == 0
    status = mon.status()["hackernews"]
    assert status["failures"] == 3 and status["state"] == "failing"
    assert mon.reobserve("hackernews") == 1  # not held back by the polls' back-off
    assert status["reobserve"]["failures"] == 0 and mon.status()["hackernews"]["reobserve"]["state"] == "ok"
    assert metric(mon, "monitor_source_backoff_seconds", source="hackernews") > 0
    assert metric(mon, "monitor_reobserve_backoff_seconds", source="hackernews") == 0

    fake.clear_failures()
    clock.advance(hours=2)
    mon.poll_source("hackernews")
    recovered = failures(caplog, "source recovered")
    assert len(recovered) == 1 and recovered[0].job == "poll" and recovered[0].failures == 3  # type: ignore[attr-defined]
    assert mon.status()["hackernews"]["state"] == "ok"
    mon.close()


def test_a_batch_the_database_refuses_backs_the_source_off_and_loses_nothing(
        tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="monitor")
    mon = monitor(tmp_path, f"{fake.url}/api/v1", clock, scorer)
    fake.add_hn_story("acme air lost my bag", created=time.time() - 900)
    assert mon.poll_source("hackernews") == 1
    with mon.store.begin() as conn:  # what a broken database does to every batch
        conn.execute(text("ALTER TABLE mentions RENAME TO mentions_away"))
    later = fake.add_hn_story("acme air lost my bag again", created=time.time() - 300)
    for _ in range(4):
        clock.advance(minutes=5)  # past each back-off (30 s, 60 s, 120 s, 240 s, with jitter)
        assert mon.poll_source("hackernews") == 0  # no exception escapes to the scheduler
    status = mon.status()["hackernews"]
    assert status["failures"] == 4 and status["backoff_seconds"] > 0
    assert "storing the batch failed" in status["last_error"] and "no such table: mentions" in status["last_error"]
    assert metric(mon, "monitor_poll_errors_total", source="hackernews") == 4
    reports = failures(caplog, "source failed")
    assert len(reports) == 1 and reports[0].exc_info is not None  # once, with its traceback, not once per poll

    with mon.store.begin() as conn:
        conn.execute(text("ALTER TABLE mentions_away RENAME TO mentions"))
    clock.advance(hours=2)
    assert mon.poll_source("hackernews") == 1  # the batch was rolled back with its cursor: nothing lost
    with mon.store.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM mentions WHERE post_id = :i"), {"i": later}).scalar() == 1
    assert len(failures(caplog, "source recovered")) == 1
    mon.close()


class BuggySource:
    """A source plugin with a bug: its poll raises something that is not a SourceError."""

    name = "hackernews"

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        return PollResult([], {"v": 1, "brands": {b.name: {}[b.name] for b in brands}})  # KeyError

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        raise ZeroDivisionError("refresh")


def test_a_bug_in_a_source_is_a_source_failure(tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer) -> None:
    mon = monitor(tmp_path, f"{fake.url}/api/v1", clock, scorer)
    mon.sources["hackernews"] = BuggySource()  # type: ignore[assignment]
    assert mon.poll_source("hackernews") == 0
    status = mon.status()["hackernews"]
    assert status["failures"] == 1 and status["last_error"] == "KeyError: 'Acme Air'" and not status["permanent"]
    assert metric(mon, "monitor_poll_errors_total", source="hackernews") == 1
    mon.close()


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_stuck_source_shows_in_readyz_and_metrics(tmp_path: Path, clock: FakeClock, scorer) -> None:
    with HostileAPI(trickle_every=0.1) as api:
        mon = monitor(tmp_path, f"{api.url}/trickle", clock, scorer,
                      'timeout = "1s"\nrequest_deadline = "4s"\npoll_deadline = "10s"')
        with HealthServer(mon.store, mon.metrics.registry, lambda: True, port=0, stuck=mon.stuck) as server:
            ready = f"http://127.0.0.1:{server.port}/readyz"
            assert get(ready) == (200, {"status": "ready",
                                        "checks": {"database": "ok", "scheduler": "ok", "sources": "ok"}})
            poll = threading.Thread(target=mon.poll_source, args=("hackernews",), daemon=True)
            poll.start()
            while "poll:hackernews" not in mon.running:
                time.sleep(0.01)
            clock.advance(seconds=71)  # the poll has run past its deadline and a minute's grace
            status, body = get(ready)
            assert status == 503 and body["checks"]["sources"] == "failing" and body["stuck"] == ["hackernews"]
            assert metric(mon, "monitor_source_stuck", source="hackernews") == 1
            assert mon.status()["hackernews"]["stuck"]
            poll.join(10)  # the request deadline ends it
            assert not poll.is_alive() and get(ready)[0] == 200
            assert metric(mon, "monitor_source_stuck", source="hackernews") == 0
            assert "request_deadline" in mon.status()["hackernews"]["last_error"]
        mon.close()
