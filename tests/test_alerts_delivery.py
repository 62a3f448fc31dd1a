"""The durable outbox driving the real Slack channel against the fake Slack, on a real SQLite store."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from alerts.slack import SlackChannel
from monitor.alerting.outbox import IN_FLIGHT, Deliverer, requeue_failed
from monitor.models import AlertEvent, Tier
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, climb, event, queue
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-9999-8888-deliverysecret"


@pytest.fixture
def fake():
    with FakeSlack(token=TOKEN) as f:
        yield f


@pytest.fixture
def db(tmp_path):
    return "sqlite:///" + str(tmp_path / "m.db")


@pytest.fixture
def fclock():
    return FakeClock(T0)


def slack(fake: FakeSlack, token: str = TOKEN) -> SlackChannel:
    return SlackChannel(token, "#cx-escalations", api_base_url=fake.api_url, timeout=5)


def outbox_rows(store: Store) -> list[Any]:
    with store.begin() as conn:
        return conn.execute(select(s.outbox).order_by(s.outbox.c.id)).all()


def pending(store: Store) -> int:
    """Alerts neither sent nor failed."""
    return sum(1 for r in outbox_rows(store) if r.sent_at is None and r.failed_at is None)


def test_climbing_incident_one_root_two_thread_replies_and_updates(fake, db, fclock):
    store = Store(db)
    watch, warning, critical = climb()
    deliverer = Deliverer(store, {"slack": slack(fake)}, fclock)
    for e in (watch, warning, critical):
        queue(store, e)
        fclock.now = e.at
        assert deliverer.deliver() == (1, 0)
    assert deliverer.deliver() == (0, 0)
    assert [c.method for c in fake.calls()] == ["chat.postMessage", "chat.update", "chat.postMessage",
                                                 "chat.update", "chat.postMessage"]
    [root] = fake.roots()
    assert [m.thread_ts for m in fake.messages] == [None, root.ts, root.ts]
    assert root.edits == 2 and "CRITICAL" in root.text
    with store.begin() as conn:
        state = conn.execute(select(s.channel_state.c.state)).scalar_one()
    assert state == {"ts": root.ts, "channel": "C0CXESC01", "tier": "critical", "_delivered_tier": "critical",
                     "link": f"https://slack.com/archives/C0CXESC01/p{root.ts.replace('.', '')}"}


def test_rate_limit_is_waited_out_on_the_injected_clock(fake, db, fclock):
    store = Store(db)
    queue(store, event())
    fake.fail_next("chat.postMessage", 429, headers={"Retry-After": "2"})
    deliverer = Deliverer(store, {"slack": slack(fake)}, fclock)
    assert deliverer.deliver() == (0, 1)
    posts = len(fake.calls("chat.postMessage"))
    fclock.advance(seconds=1.9)
    assert deliverer.deliver() == (0, 0)
    assert len(fake.calls("chat.postMessage")) == posts  # nothing resent before Retry-After
    fclock.advance(seconds=0.1)
    assert deliverer.deliver() == (1, 0)
    assert len(fake.roots()) == 1


def test_ten_minute_outage_then_every_alert_once_in_order(fake, db, fclock):
    store = Store(db)
    a = climb("inc-a")
    b = event("inc-b", Tier.warning, at=T0 + timedelta(minutes=5))
    queue(store, a[0], b, a[1], a[2])
    fake.outage(500)
    deliverer = Deliverer(store, {"slack": slack(fake)}, fclock)
    start = fclock.now
    while (fclock.now - start).total_seconds() < 600:
        assert deliverer.deliver()[0] == 0
        fclock.advance(seconds=7)
    fake.recover()
    for _ in range(200):
        deliverer.deliver()
        if not pending(store):
            break
        fclock.advance(seconds=7)
    assert pending(store) == 0
    roots = fake.roots()
    assert [r.metadata["event_payload"]["incident"] for r in roots] == ["inc-a", "inc-b"]
    thread = fake.replies(roots[0].ts)
    assert [m.metadata["event_payload"]["tier"] for m in thread] == ["warning", "critical"]
    assert len(fake.messages) == 4  # every alert once
    rows = outbox_rows(store)
    assert all(r.sent_at is not None for r in rows) and rows[0].attempts > 1


def test_alert_stored_before_a_crash_is_delivered_after_restart(fake, db, fclock):
    first = Store(db)
    queue(first, event())
    first.close()  # the process dies before any delivery
    store = Store(db)
    assert Deliverer(store, {"slack": slack(fake)}, fclock).deliver() == (1, 0)
    assert len(fake.roots()) == 1


class _DiesAfterSend:
    """The process is killed right after Slack accepted the message, before the outbox is marked."""

    name = "slack"

    def __init__(self, inner: SlackChannel):
        self.inner = inner

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        self.inner.send(event, state)
        raise KeyboardInterrupt


@pytest.mark.parametrize("channel_setting", ["#cx-escalations", "C0CXESC01"])
def test_crash_between_slack_and_the_mark_does_not_repeat_the_message(fake, db, fclock, channel_setting):
    store = Store(db)
    watch, warning, _ = climb()
    queue(store, watch)
    with pytest.raises(KeyboardInterrupt):
        Deliverer(store, {"slack": _DiesAfterSend(slack(fake))}, fclock).deliver()
    [row] = outbox_rows(store)
    assert row.sent_at is None and row.last_error == IN_FLIGHT
    store.close()

    store = Store(db)  # restart
    fresh = SlackChannel(TOKEN, channel_setting, api_base_url=fake.api_url)
    deliverer = Deliverer(store, {"slack": fresh}, fclock)
    assert deliverer.deliver() == (1, 0)
    assert len(fake.roots()) == 1  # adopted, not posted twice

    queue(store, warning)
    with pytest.raises(KeyboardInterrupt):
        Deliverer(store, {"slack": _DiesAfterSend(fresh)}, fclock).deliver()
    assert deliverer.deliver() == (1, 0)
    [root] = fake.roots()
    assert len(fake.replies(root.ts)) == 1 and len(fake.messages) == 2


def test_permanent_failure_reported_once_and_not_retried(fake, db, fclock, caplog):
    store = Store(db)
    queue(store, event("inc-1"), event("inc-2"), channels=("slack", "console"))
    printed: list[str] = []

    class Console:
        name = "console"

        def send(self, event, state):
            printed.append(event.incident)
            return {}

    deliverer = Deliverer(store, {"slack": slack(fake, "xoxb-revoked-token"), "console": Console()}, fclock)
    with caplog.at_level(logging.DEBUG, logger="monitor.outbox"):
        for _ in range(5):
            deliverer.deliver()
            fclock.advance(minutes=10)
    assert printed == ["inc-1", "inc-2"]  # the other channel went on
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "invalid_auth" in errors[0].error
    assert len(fake.calls("chat.postMessage")) == 2  # once per alert, never again
    failed = [r for r in outbox_rows(store) if r.channel == "slack"]
    assert all(r.failed_at is not None and "invalid_auth" in r.last_error for r in failed)
    # The token is fixed: the failed alerts are put back and go out.
    fixed = Deliverer(store, {"slack": slack(fake)}, fclock)
    assert requeue_failed(store, "slack") == 2
    assert fixed.deliver() == (2, 0)
    assert len(fake.roots()) == 2


def test_a_channel_bug_does_not_stop_delivery(db, fclock, caplog):
    store = Store(db)
    queue(store, event(), channels=("broken", "ok"))
    got: list[str] = []

    class Broken:
        name = "broken"

        def send(self, event, state):
            raise RuntimeError("boom")

    class Ok:
        name = "ok"

        def send(self, event, state):
            got.append(event.incident)
            return {"n": 1}

    assert Deliverer(store, {"broken": Broken(), "ok": Ok()}, fclock).deliver() == (1, 1)
    assert got == ["inc-1"]
    broken = [r for r in outbox_rows(store) if r.channel == "broken"][0]
    assert broken.next_attempt_at is not None and "boom" in broken.last_error


def test_a_lower_tier_queued_after_a_higher_one_never_takes_the_message_back(fake, db, fclock):
    """Two jobs' decisions crossing (critical queued, then a stale watch): Slack stays at CRITICAL."""
    store = Store(db)
    watch, _warning, critical = climb()
    queue(store, critical)
    queue(store, watch)
    deliverer = Deliverer(store, {"slack": slack(fake)}, fclock)
    fclock.now = critical.at
    assert deliverer.deliver() == (1, 0)
    assert deliverer.deliver() == (0, 0)
    assert [c.method for c in fake.calls()] == ["chat.postMessage"], "the stale watch is not sent"
    rows = outbox_rows(store)
    assert rows[0].sent_at is not None
    assert rows[1].sent_at is None and "superseded" in rows[1].last_error


@pytest.mark.parametrize("check", ["conversations.history", "conversations.replies"])
def test_a_failed_duplicate_check_waits_and_retries_and_never_posts_twice(fake, db, fclock, check):
    """Killed after Slack accepted the message; on restart the duplicate check answers 500, then 429:
    the delivery waits and retries each time instead of posting blind, and in the end Slack holds one
    top-level message and one thread post per tier (issue 27)."""
    store = Store(db)
    watch, warning, _ = climb()
    queue(store, watch)
    channel = SlackChannel(TOKEN, "C0CXESC01", api_base_url=fake.api_url, timeout=5)
    if check == "conversations.replies":  # the root went out cleanly; the crash is on the escalation
        assert Deliverer(store, {"slack": channel}, fclock).deliver() == (1, 0)
        queue(store, warning)
    with pytest.raises(KeyboardInterrupt):
        Deliverer(store, {"slack": _DiesAfterSend(channel)}, fclock).deliver()
    store.close()

    store = Store(db)  # restart
    deliverer = Deliverer(store, {"slack": SlackChannel(TOKEN, "C0CXESC01", api_base_url=fake.api_url, timeout=5)},
                          fclock)
    fake.fail_next(check, 500)
    assert deliverer.deliver() == (0, 1)  # not known whether it arrived: wait, do not post
    fclock.advance(minutes=5)
    fake.fail_next(check, 429, headers={"Retry-After": "30"})
    assert deliverer.deliver() == (0, 1)
    [row] = [r for r in outbox_rows(store) if r.sent_at is None]
    assert row.next_attempt_at == fclock.now + timedelta(seconds=30)  # the 429's own wait
    fclock.advance(seconds=31)
    assert deliverer.deliver() == (1, 0)
    [root] = fake.roots()
    assert len(fake.replies(root.ts)) == (1 if check == "conversations.replies" else 0)
    assert len(fake.calls(check)) == 3
