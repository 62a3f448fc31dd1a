"""monitor/retry.py: the one parser of the waits APIs ask for and the one back-off, and what they mean
for the sources and channels that use them (hostile waits never break a retry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from alerts.slack import SlackChannel
from alerts.webhook import WebhookChannel
from monitor.alerting.outbox import Deliverer
from monitor.errors import ChannelError
from monitor.retry import backoff, retry_after
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, queue
from tests.fakes.http import FakeServer, Reply
from tests.fakes.slack import FakeSlack

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("headers, names, expected", [
    ({"Retry-After": "42"}, None, 42.0),
    ({"retry-after": "0"}, None, 0.0),
    ({"Retry-After": format_datetime(NOW + timedelta(seconds=90), usegmt=True)}, None, 90.0),
    ({"Retry-After": format_datetime(NOW - timedelta(seconds=90), usegmt=True)}, None, 0.0),  # past: now
    ({"ratelimit-reset": str(int(NOW.timestamp()) + 120)}, None, 120.0),  # Bluesky: epoch seconds
    ({"X-RateLimit-Reset": (NOW + timedelta(minutes=5)).isoformat()}, None, 300.0),  # Mastodon: ISO 8601
    ({"x-ratelimit-reset": "17"}, ("retry-after", "x-ratelimit-reset"), 17.0),  # Reddit: seconds
    ({"x-rate-limit-reset": str(int(NOW.timestamp()) + 900)}, ("x-rate-limit-reset", "retry-after"), 900.0),  # X
    ({"Retry-After": ["7"]}, None, 7.0),  # slack_sdk's headers hold lists
    ({"Retry-After": "soon", "ratelimit-reset": str(int(NOW.timestamp()) + 5)}, None, 5.0),  # the next usable one
    ({"Retry-After": "-5"}, None, None), ({"Retry-After": "inf"}, None, None), ({"Retry-After": "nan"}, None, None),
    ({"Retry-After": "1e400"}, None, None), ({}, None, None),
    ({"Retry-After": "251693006400"}, None, 86400.0),  # absurd but finite: a day at most
])
def test_retry_after_reads_each_api_s_way_of_saying_wait(headers, names, expected):
    kwargs = {"names": names} if names else {}
    assert retry_after(headers, NOW, **kwargs) == expected


def test_retry_after_falls_back_to_the_default():
    assert retry_after({"Retry-After": "later"}, NOW, default=30.0) == 30.0
    assert retry_after(None, NOW, default=30.0) == 30.0
    assert retry_after({"Retry-After": "0"}, NOW, default=30.0) == 0.0  # zero is a wait, not a missing one


@given(st.dictionaries(st.sampled_from(["Retry-After", "ratelimit-reset", "X-RateLimit-Reset", "x-rate-limit-reset"]),
                       st.one_of(st.text(max_size=40), st.floats().map(str), st.integers().map(str))))
def test_any_header_value_gives_a_finite_wait_or_none(headers):
    wait = retry_after(headers, NOW)
    assert wait is None or 0 <= wait <= 86400
    assert NOW + timedelta(seconds=wait or 0)  # usable on the clock: never an overflow


def test_backoff_doubles_up_to_its_cap_and_jitters_within_bounds():
    assert [backoff(n, base=5, cap=300) for n in range(1, 9)] == [5, 10, 20, 40, 80, 160, 300, 300]
    assert backoff(10**6, base=30, cap=3600) == 3600  # no overflow however long the streak
    waits = [backoff(3, base=30, cap=3600, jitter=0.2) for _ in range(200)]
    assert all(96 <= w <= 144 for w in waits) and len(set(waits)) > 1


@pytest.mark.parametrize("wait", ["inf", "-1", "nan", "1e999"])
def test_a_hostile_retry_after_from_slack_waits_the_default_and_delivery_goes_on(tmp_path, wait):
    """Before the one parser, ``Retry-After: inf`` made the outbox's next attempt overflow a timedelta."""
    store = Store("sqlite:///" + str(tmp_path / "m.db"))
    clock = FakeClock(T0)
    with FakeSlack(token="xoxb-1-2-retrysecret") as fake:
        queue(store, event())
        fake.fail_next("chat.postMessage", 429, headers={"Retry-After": wait})
        deliverer = Deliverer(store, {"slack": SlackChannel("xoxb-1-2-retrysecret", "#cx-escalations", api_base_url=fake.api_url)},
                              clock)
        assert deliverer.deliver() == (0, 1)
        with store.begin() as conn:
            due = conn.execute(select(s.outbox.c.next_attempt_at)).scalar_one()
        assert due.replace(tzinfo=UTC) == T0 + timedelta(seconds=30)
        clock.advance(seconds=30)
        assert deliverer.deliver() == (1, 0)


class _Limited(FakeServer):
    def route(self, method, path, query, headers, body):
        return Reply(429, {"error": "slow down"}, {"Retry-After": "inf"})


def test_a_hostile_retry_after_from_a_webhook_waits_the_default():
    with _Limited() as fake, pytest.raises(ChannelError) as info:
        WebhookChannel(fake.url + "/hook", clock=FakeClock(T0)).send(event(), {})
    assert info.value.retry_after == 30.0 and not info.value.permanent
