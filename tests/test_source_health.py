"""Source health on a fake clock: a source answering 500 for an hour backs off, is reported once an
hour, never blocks another source, and after recovery loses nothing the API still offers."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.settings import parse_config
from monitor.daemon.app import Monitor
from tests.conftest import FakeClock
from tests.fakes.keyless import FakeKeyless

SEARCH = "/api/v1/search_by_date"


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def monitor(tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer, extra: str = "") -> Monitor:
    loaded = parse_config(f"""
[storage]
url = "sqlite:///{tmp_path / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air"]
[sources.hackernews]
api_base_url = "{fake.url}/api/v1"
{extra}
[sources.mastodon]
api_base_url = "{fake.url}"
""")
    return Monitor.create(loaded, clock, scorer=scorer, channels={})


def mentions(mon: Monitor, source: str) -> set[str]:
    from sqlalchemy import select

    from monitor.storage import schema as s

    with mon.store.begin() as conn:
        return {r[0] for r in conn.execute(select(s.mentions.c.post_id).where(s.mentions.c.source == source))}


def test_an_hour_of_500s_then_recovery(tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer,
                                       caplog: pytest.LogCaptureFixture) -> None:
    mon = monitor(tmp_path, fake, clock, scorer)
    assert set(mon.sources) == {"hackernews", "mastodon"}
    assert mon.status()["news"]["state"] == "off"
    fake.add_hn_story("acme air before the outage", created=time.time() - 4000)
    mon.poll_source("hackernews")
    assert mon.status()["hackernews"]["state"] == "ok"

    fake.fail_next(SEARCH, 500, times=10**6)
    stories, statuses = [], []
    caplog.set_level(logging.ERROR, logger="monitor")
    for minute in range(0, 60, 5):
        stories.append(fake.add_hn_story(f"acme air lost my bag #{minute}", created=time.time() - 3000 + minute))
        statuses.append(fake.add_status(f"<p>acme air #{minute}</p>", tags=("acmeair",)))
        mon.poll_source("hackernews")
        assert mon.poll_source("mastodon") == 1  # the healthy source goes on, every time
        clock.advance(minutes=5)

    reports = [r for r in caplog.records if r.getMessage() == "source failed"]
    assert len(reports) == 1 and reports[0].source == "hackernews"  # once an hour, not once per poll
    st = mon.status()["hackernews"]
    assert st["state"] == "failing" and "HTTP 500" in st["last_error"] and st["backoff_seconds"] > 0
    assert st["failures"] >= 5 and st["last_success"] is not None and st["next_allowed"] is not None
    attempts = len(fake.requests_to(SEARCH))
    assert attempts < 12  # backed off: not polled at every turn
    assert mentions(mon, "mastodon") == {f"{fake.url.split('://')[1]}/{i}" for i in statuses}

    fake.clear_failures()
    for _ in range(24):  # the back-off runs out; the next poll reads everything that came meanwhile
        mon.poll_source("hackernews")
        clock.advance(minutes=5)
    assert set(stories) <= mentions(mon, "hackernews")
    st = mon.status()["hackernews"]
    assert (st["state"], st["failures"], st["backoff_seconds"], st["permanent"]) == ("ok", 0, 0.0, False)
    assert st["last_error"] is not None and st["usage"]["requests"]["total"] >= attempts
    mon.close()


def test_rate_limit_waits_as_told(tmp_path: Path, fake: FakeKeyless, clock: FakeClock, scorer) -> None:
    mon = monitor(tmp_path, fake, clock, scorer)
    fake.fail_next(SEARCH, 429, {"Retry-After": "600"})
    mon.poll_source("hackernews")
    assert mon.status()["hackernews"]["backoff_seconds"] == 600
    clock.advance(seconds=590)
    mon.poll_source("hackernews")
    assert len(fake.requests_to(SEARCH)) == 1
    clock.advance(seconds=11)
    mon.poll_source("hackernews")
    assert len(fake.requests_to(SEARCH)) == 2
    mon.close()
