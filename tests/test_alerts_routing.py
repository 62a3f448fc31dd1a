"""Routes, silences, quiet hours and reminders (monitor/alerting/chain.py), and the [alerts] config they read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from monitor.alerting.chain import Router, add_silence, in_quiet_hours, queue_reminders
from monitor.config.settings import ConfigError, parse_config
from monitor.models import Tier
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, post, queue

ALL = ("console", "slack", "webhook", "email")

EXAMPLE = """
[alerts]
min_tier = "warning"
repeat_interval = "4h"
default_channels = ["slack"]

[[alerts.routes]]
brands = ["Acme Air"]
min_tier = "critical"
channels = ["email", "webhook"]
continue = true

[[alerts.routes]]
sources = ["x", "reddit"]
channels = ["slack"]

[[alerts.silences]]
author = "known_troll"
ends = 2030-01-01T00:00:00Z
comment = "posts about us every day"

[alerts.quiet_hours]
start = "22:00"
end = "07:00"
timezone = "Europe/Warsaw"
channels = ["email"]
"""


def alerts_config(text: str):
    return parse_config(text, env={}).config.alerts


@pytest.fixture
def store(tmp_path):
    return Store("sqlite:///" + str(tmp_path / "m.db"))


def test_empty_alerts_section_routes_everything_everywhere():
    router = Router(alerts_config(""), ALL)
    for tier in (Tier.watch, Tier.warning, Tier.critical):
        assert router(event(tier=tier)) == list(ALL)


def test_routes_first_match_decides_and_continue_adds():
    router = Router(alerts_config(EXAMPLE), ALL)
    assert router(event(tier=Tier.critical)) == ["email", "webhook", "slack"]
    assert router(event(tier=Tier.warning)) == ["slack"]
    assert router(event(tier=Tier.warning, sources=("news",))) == ["slack"]  # default_channels
    assert router(event(tier=Tier.critical, brand="Other", sources=("news",))) == ["slack"]
    drop = Router(alerts_config('[alerts]\ndefault_channels = []\n[[alerts.routes]]\nbrands = ["X"]\n'
                                'channels = ["console"]\n'), ALL)
    assert drop(event()) == []
    assert drop(event(brand="x")) == ["console"]  # brand names match case-insensitively


def test_routes_only_name_channels_that_are_configured():
    router = Router(alerts_config(EXAMPLE), ("console", "slack"))
    assert router(event(tier=Tier.critical)) == ["slack"]


def test_config_silence_by_author_only_when_every_key_post_is_theirs():
    router = Router(alerts_config(EXAMPLE), ALL)
    troll = [post(author="@Known_Troll"), post(id="2", author="known_troll")]
    assert router(event(tier=Tier.warning, posts=troll)) == []
    assert router(event(tier=Tier.warning, posts=[*troll, post(id="3", author="someone")])) != []
    # A critical story is shown whatever the silence, unless it says it mutes criticals too.
    assert router(event(tier=Tier.critical, posts=troll)) != []
    loud = Router(alerts_config(EXAMPLE.replace('comment = "posts', 'critical = true\ncomment = "posts')), ALL)
    assert loud(event(tier=Tier.critical, posts=troll)) == []


def test_a_keyword_silence_matches_whole_words_of_at_least_three_letters(store):
    router = Router(alerts_config(""), ALL, store)
    add_silence(store, keyword="refund", starts=T0, ends=T0 + timedelta(days=1))
    assert router(event(posts=[post("Still no REFUND from Acme Air!", id="1")])) == []
    assert router(event(posts=[post("Acme Air refunded me, thanks", id="1")])) == list(ALL)  # not the word
    with pytest.raises(ValueError, match="3 characters"):
        add_silence(store, keyword="a", starts=T0, ends=T0 + timedelta(days=1))
    with pytest.raises(ConfigError) as exc:
        parse_config('[[alerts.silences]]\nkeyword = "a"\n', env={})
    assert "alerts.silences[0].keyword" in str(exc.value)


def test_stored_silences_by_brand_and_keyword_for_a_time(store):
    router = Router(alerts_config(""), ALL, store)
    add_silence(store, brand="acme air", starts=T0, ends=T0 + timedelta(hours=2), created_by="U1", comment="PR")
    add_silence(store, keyword="giveaway", starts=T0, ends=T0 + timedelta(days=1))
    assert router(event(at=T0 + timedelta(hours=1))) == []
    assert router(event(at=T0 + timedelta(hours=3))) == list(ALL)  # expired
    assert router(event(at=T0 - timedelta(minutes=1))) == list(ALL)  # not yet
    giveaway = [post("Acme Air GIVEAWAY scam?", id="1"), post("another giveaway", id="2")]
    assert router(event(brand="Other", at=T0 + timedelta(hours=3), posts=giveaway)) == []
    assert router(event(brand="Other", at=T0 + timedelta(hours=3), posts=[*giveaway, post(id="3")])) == list(ALL)
    with pytest.raises(ValueError):
        add_silence(store, starts=T0, ends=T0)


def test_quiet_hours_let_critical_through():
    cfg = alerts_config('[alerts.quiet_hours]\nstart = "22:00"\nend = "07:00"\ntimezone = "Europe/Warsaw"\n')
    router = Router(cfg, ALL)
    night = datetime(2024, 3, 1, 21, 30, tzinfo=UTC)  # 22:30 in Warsaw (UTC+1)
    morning = datetime(2024, 3, 2, 6, 30, tzinfo=UTC)  # 07:30
    assert router(event(at=night)) == []
    assert router(event(tier=Tier.critical, at=night)) == list(ALL)
    assert router(event(at=morning)) == list(ALL)
    summer = datetime(2024, 7, 1, 20, 30, tzinfo=UTC)  # 22:30 in Warsaw (UTC+2)
    assert in_quiet_hours(cfg.quiet_hours, summer)
    day = alerts_config('[alerts.quiet_hours]\nstart = "09:00"\nend = "17:00"\n').quiet_hours
    assert in_quiet_hours(day, datetime(2024, 3, 1, 12, tzinfo=UTC))
    assert not in_quiet_hours(day, datetime(2024, 3, 1, 17, tzinfo=UTC))


def test_quiet_hours_limited_to_some_channels():
    router = Router(alerts_config(EXAMPLE.replace('default_channels = ["slack"]', "")), ALL)
    night = datetime(2024, 3, 1, 23, 0, tzinfo=UTC)
    assert router(event(tier=Tier.warning, at=night, sources=("news",))) == ["console", "slack", "webhook"]


def test_example_config_parses_and_bad_keys_are_named():
    assert alerts_config(EXAMPLE).repeat_interval == 4 * 3600
    bad = """
[alerts]
repeat_interval = "1m"
[[alerts.routes]]
channels = ["slakc"]
[[alerts.silences]]
comment = "matches nothing"
[alerts.quiet_hours]
start = "22:00"
end = "7"
timezone = "Mars/Olympus"
[alerts.slack]
bot_token = "xoxb-a"
webhook_url = "https://hooks.slack.com/services/x"
[alerts.email]
host = "smtp.example.com"
sender = "monitor@example.com"
to = []
"""
    with pytest.raises(ConfigError) as info:
        parse_config(bad, env={})
    keys = {k for k, _ in info.value.problems}
    assert keys >= {"alerts.repeat_interval", "alerts.routes[0].channels", "alerts.silences[0]",
                    "alerts.quiet_hours.end", "alerts.quiet_hours.timezone", "alerts.slack", "alerts.email.to"}


def _incident(store: Store, inc: str, *, last_seen: datetime, tier: Tier = Tier.warning) -> None:
    with store.begin() as conn:
        conn.execute(insert(s.incidents).values(
            id=inc, brand="Acme Air", first_seen=T0 - timedelta(hours=1), last_seen=last_seen, tier=int(tier),
            alerted_tier=int(tier), score=0.6, mentions=9, authors=5,
            state={"reasons": ["still growing"], "top": [post()]}))


def test_reminders_after_repeat_interval_for_growing_unacknowledged_incidents(store):
    clock = FakeClock(T0 + timedelta(hours=4))
    router = Router(alerts_config(""), ("slack",), store)
    for inc in ("growing", "quiet", "acked"):
        queue(store, event(inc))
    _incident(store, "growing", last_seen=T0 + timedelta(hours=1))
    _incident(store, "acked", last_seen=T0 + timedelta(hours=1))
    _incident(store, "quiet", last_seen=T0)  # nothing new since its alert: no reminder
    with store.begin() as conn:
        conn.execute(insert(s.incident_actions).values(incident_id="acked", action="acknowledge", at=T0, user="U1"))
    assert queue_reminders(store, router, clock, 4 * 3600) == 1
    with store.begin() as conn:
        row = conn.execute(select(s.outbox).order_by(s.outbox.c.id.desc())).first()
    assert row.incident_id == "growing" and row.event["tier"] == row.event["previous_tier"] == "warning"
    assert row.event["reasons"] == ["still growing"]
    assert queue_reminders(store, router, clock, 4 * 3600) == 0  # not again until the next interval


def _demo_burst():
    from monitor.replay import demo
    from monitor.replay.run import in_event_order

    return [o for o in in_event_order(demo.observations())
            if demo.TV_AT - timedelta(days=2) <= o.observed_at <= demo.TV_AT + timedelta(hours=6)]


@pytest.mark.parametrize("silenced", [False, True])
def test_the_pipeline_asks_the_router(tmp_path, scorer, silenced):
    from monitor.pipeline.factory import build_pipeline
    from monitor.replay import demo

    cfg = demo.config()
    if silenced:
        cfg = cfg.model_copy(update={"alerts": alerts_config(f'[[alerts.silences]]\nbrand = "{demo.BRAND}"\ncritical = true\n')})
    store = Store("sqlite:///" + str(tmp_path / "m.db"))
    obs = _demo_burst()
    now = [obs[0].observed_at]
    pipeline = build_pipeline(store, cfg, scorer, lambda: now[-1], channels=("slack", "console"))
    alerts = 0
    for i in range(0, len(obs), 200):
        now.append(obs[i:i + 200][-1].observed_at)
        alerts += len(pipeline.process(obs[i:i + 200]).alerts)
    assert alerts >= 1
    assert store.count("outbox") == (0 if silenced else 2 * alerts)


def test_monitor_wires_the_router(tmp_path):
    from monitor.daemon.app import Monitor

    loaded = parse_config(f'[storage]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', env={})
    mon = Monitor.create(loaded)
    try:
        assert isinstance(mon.pipeline.route, Router) and mon.pipeline.route.channels == ("console",)
    finally:
        mon.close()
