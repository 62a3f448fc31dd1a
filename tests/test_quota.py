"""Quota-aware polling: token buckets on an injected clock, and the Monitor staying inside a budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.settings import parse_config
from monitor.config.sources import BudgetConfig
from monitor.daemon.app import Monitor
from monitor.daemon.quota import Budget, budgets_for, spend, summary, usage_delta, wait_seconds
from monitor.errors import ConfigError
from sources.x import XConfig
from tests.conftest import FakeClock
from tests.fakes.keyless import FakeKeyless

REQ = [Budget("requests", 10, 600.0)]  # 1 request a minute


def test_new_bucket_is_full_and_refills_at_the_rate() -> None:
    assert wait_seconds({}, REQ, 0.0) == 0
    state = spend({}, REQ, {"requests": 10}, 0.0)
    assert state["requests"]["tokens"] == 0 and state["requests"]["avg_cost"] == 10
    # A poll usually costs 10: wait until 10 tokens are back (10 minutes), not just one.
    assert wait_seconds(state, REQ, 0.0) == pytest.approx(600.0)
    assert wait_seconds(state, REQ, 300.0) == pytest.approx(300.0)
    assert wait_seconds(state, REQ, 600.0) == 0


def test_cheap_polls_shorten_the_interval_again() -> None:
    state: dict = {}
    for t in range(5):
        state = spend(state, REQ, {"requests": 1}, float(t))
    assert wait_seconds(state, REQ, 5.0) == 0  # 5 tokens left, a poll costs ~1
    s = summary(state, REQ, 5.0)["requests"]
    assert (s["total"], s["used_this_period"], s["limit"]) == (5, 5, 10)


def test_costly_poll_borrows_and_no_budget_still_counts() -> None:
    state = spend({}, REQ, {"requests": 25}, 0.0)  # more than the whole budget
    assert wait_seconds(state, REQ, 0.0) == pytest.approx((10 + 15) * 60.0)
    free = spend({}, [], {"requests": 3, "reads": 120}, 0.0)
    assert summary(free, [], 0.0) == {"requests": {"total": 3}, "reads": {"total": 120}}
    assert wait_seconds(free, [], 0.0) == 0


def test_usage_delta_and_budgets_from_config() -> None:
    last: dict[str, int] = {}
    assert usage_delta({"requests": 3, "reads": 40}, last) == {"requests": 3, "reads": 40}
    assert usage_delta({"requests": 5, "reads": 40}, last) == {"requests": 2, "reads": 0}
    assert usage_delta(None, last) == {"requests": 1}
    assert budgets_for(XConfig(reads_per_day=10_000)) == [Budget("reads", 10_000, 86400.0)]
    x = XConfig(budget=BudgetConfig(requests=450, per=900))
    assert budgets_for(x) == [Budget("requests", 450, 900.0)]


def test_budget_config_errors() -> None:
    with pytest.raises(ConfigError, match="sources.hackernews.budget"):
        parse_config("[sources.hackernews]\nbudget = { per = \"15m\" }\n")
    with pytest.raises(ConfigError, match="sources.x.budget.requests"):
        parse_config("[sources.x]\nbudget = { requests = 0 }\n")
    cfg = parse_config('[sources.hackernews]\nbudget = { requests = 900, per = "15m" }\n').config
    assert cfg.sources.hackernews.budget == BudgetConfig(requests=900, per=900.0)


@pytest.fixture
def fake() -> Iterator[FakeKeyless]:
    with FakeKeyless() as server:
        yield server


def test_monitor_stays_inside_the_budget_and_remembers_it(tmp_path: Path, fake: FakeKeyless, clock: FakeClock,
                                                         scorer) -> None:
    text = f"""
[storage]
url = "sqlite:///{tmp_path / 'm.db'}"
[[brands]]
name = "Acme Air"
keywords = ["acme air", "acmeair"]
[sources.hackernews]
api_base_url = "{fake.url}/api/v1"
interval = "1m"
budget = {{ requests = 10, per = "15m" }}
"""
    mon = Monitor.create(parse_config(text), clock, scorer=scorer, channels={})
    for _ in range(60):  # the scheduler's turn every minute for an hour; each poll costs 2 requests
        mon.poll_source("hackernews")
        clock.advance(minutes=1)
    used = len(fake.requests_to("/api/v1/search_by_date"))
    assert 40 <= used <= 10 + 40  # the full bucket, then 10 per 15 minutes
    usage = mon.status()["hackernews"]["usage"]["requests"]
    assert usage["total"] == used and usage["limit"] == 10
    mon.close()

    # A restart does not grant a fresh budget: the bucket is stored with the cursors.
    again = Monitor.create(parse_config(text), clock, scorer=scorer, channels={})
    before = len(fake.requests_to("/api/v1/search_by_date"))
    for _ in range(3):
        again.poll_source("hackernews")
    assert len(fake.requests_to("/api/v1/search_by_date")) - before <= 2
    assert again.status()["hackernews"]["usage"]["requests"]["total"] >= used
    again.close()
