"""`monitor incidents / incident / ack / snooze / feedback` on a history the daemon stored: an incident
climbing tiers with its alerts in a (fake) Slack, acted on from the command line and from the buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from alerts.blocks import ACK, NOT_COMPLAINT, SNOOZE
from alerts.buttons import handle_action, incident_status
from monitor.alerting.chain import Router
from monitor.cli import main
from monitor.cli.incidents import inert
from monitor.config.settings import load_config
from monitor.events import event_from_dict
from monitor.incidents.state import incident_id
from monitor.models import IncidentStatus, Tier
from monitor.replay import demo
from monitor.replay.feedback import feedback_for
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.history import ending_at, store_history
from tests.fakes.slack import FakeSlack
from tests.test_alerts_buttons import ORIGIN, posted, press

TOKEN = "xoxb-7777-history-secret"
STORY = incident_id(demo.BRAND, "x", "story0")


@pytest.fixture(scope="module")
def history(tmp_path_factory, scorer):
    """The demo's month, stored by the daemon's own path with its alerts sent to Slack."""
    folder = tmp_path_factory.mktemp("history")
    with FakeSlack(token=TOKEN) as slack:
        config = folder / "monitor.toml"
        config.write_text(f"""
[storage]
url = "sqlite:///{folder / 'monitor.db'}"
[[brands]]
name = "{demo.BRAND}"
keywords = ["northwind parcel", "northwind"]
handles = {{ x = "northwindparcel", reddit = "northwindparcel" }}
[alerts.console]
enabled = false
[alerts.slack]
bot_token = "{TOKEN}"
channel = "#cx-escalations"
api_base_url = "{slack.api_url}"
""", encoding="utf-8")
        # Up to the day after the TV story, ending an hour ago: the story is still open.
        month = [o for o in demo.observations() if o.observed_at <= demo.TV_AT + timedelta(days=1)]
        mon, clock = store_history(load_config(config), ending_at(month, datetime.now(UTC) - timedelta(hours=1)), scorer)
        mon.close()
        yield config, slack, clock


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def incidents(config: Path, *extra: str) -> dict[str, dict]:
    code, out, err = run("incidents", "--config", str(config), "--format", "json", *extra)
    assert code == 0, err
    return {i["incident"]: i for i in json.loads(out)["incidents"]}


def test_incidents_lists_the_open_ones_in_the_contract_shape(history) -> None:
    config, _, _ = history
    listed = incidents(config)
    story = listed[STORY]
    assert list(story) == ["incident", "brand", "tier", "score", "mentions", "authors", "sources", "first_seen",
                           "last_seen", "acknowledged", "snoozed_until"]
    assert story["brand"] == demo.BRAND and story["tier"] == "critical" and story["acknowledged"] is False
    assert set(story["sources"]) == {"news", "reddit", "x"} and story["mentions"] > 20 and story["snoozed_until"] is None
    assert next(iter(listed)) == STORY, "the critical incident comes first"
    assert all(Tier[i["tier"]] >= Tier.watch for i in listed.values())
    assert list(incidents(config, "--tier", "critical")) == [STORY]
    assert incidents(config, "--brand", "Someone Else") == {}
    # --since widens the list to incidents no longer open (the demo's month is longer than the window).
    assert len(incidents(config, "--since", "60d")) >= len(listed)
    code, out, _ = run("incidents", "--config", str(config), "--format", "table")
    assert code == 0 and STORY in out and "critical" in out


def test_incident_shows_the_whole_history(history) -> None:
    config, _, _ = history
    code, out, err = run("incident", STORY[4:12], "--config", str(config), "--format", "json")  # a prefix will do
    assert code == 0, err
    h = json.loads(out)
    assert h["incident"]["incident"] == STORY and h["incident"]["tier"] == "critical"
    alerts = [e for e in h["timeline"] if e["kind"] == "alert"]
    assert [(a["previous_tier"], a["tier"]) for a in alerts] == [("none", "warning"), ("warning", "critical")]
    assert any("dana_k has complained" in r for r in alerts[0]["reasons"])
    assert "picked up by the news" in alerts[1]["reasons"]
    for a in alerts:  # what was sent where
        assert [(d["channel"], d["status"]) for d in a["sent"]] == [("slack", "sent")]
    assert h["channels"]["slack"]["ts"] and h["channels"]["slack"]["tier"] == "critical"
    assert h["reasons"] and h["points"] and h["points"][-1][2] == Tier.critical
    assert [p[0] for p in h["points"]] == sorted(p[0] for p in h["points"])
    first = h["posts"][0]
    assert first["author"] == "dana_k" and "$7,455" in first["text"] and first["url"].startswith("https://x.com/")
    assert len(first["snapshots"]) >= 2, "engagement over time, from the stored snapshots"
    assert any(p["source"] == "news" for p in h["posts"])
    dana = next(r for r in h["repeaters"] if r["author"] == "dana_k")
    assert dana["episodes"] >= 3
    assert sum(h["hourly"][hour].get("x", 0) for hour in h["hourly"]) > 10

    code, out, _ = run("incident", STORY, "--config", str(config), "--format", "table")
    assert code == 0 and "warning (from none)" in out and "critical (from warning)" in out
    assert "slack: sent" in out and "Repeat complainants" in out and "@dana_k" in out


def test_ack_from_the_cli_is_what_the_button_stores(history, scorer) -> None:
    config, slack, _ = history
    loaded = load_config(config)
    store = Store(loaded.config.storage.url)
    try:
        assert not incident_status(store, STORY).acknowledged
        before = len(slack.calls("chat.postMessage"))
        code, out, err = run("ack", STORY, "--config", str(config), "--by", "alice")
        assert code == 0, err
        assert "alice acknowledged this incident" in out
        status = incident_status(store, STORY)
        assert status.acknowledged and not status.not_complaint
        # The button state reflects it: the router that gates Slack sends no reminder now, only escalations.
        with store.begin() as conn:
            last = conn.execute(select(s.outbox.c.event).where(s.outbox.c.incident_id == STORY)
                                .order_by(s.outbox.c.id.desc())).first()
        reminder = event_from_dict(last[0])
        reminder = reminder.__class__(**{**reminder.__dict__, "previous_tier": reminder.tier})
        assert Router(loaded.config.alerts, ("slack",), store).muted(reminder) == "acknowledged: only escalations are sent"
        # ...and the thread says so, as after a press of the button.
        notes = slack.calls("chat.postMessage")[before:]
        assert len(notes) == 1 and notes[0].params["thread_ts"] == incidents_ts(store)
        assert "alice acknowledged" in notes[0].params["text"]
        assert incidents(config)[STORY]["acknowledged"] is True
        assert [f.label for f in feedback_for(store) if f.incident == STORY] == ["acknowledged"]
    finally:
        store.close()


def incidents_ts(store: Store) -> str:
    with store.begin() as conn:
        row = conn.execute(select(s.channel_state.c.state).where(s.channel_state.c.incident_id == STORY)).first()
    return str(row[0]["ts"])


def test_buttons_pressed_in_slack_show_in_the_cli(history) -> None:
    config, _, _ = history
    loaded = load_config(config)
    store = Store(loaded.config.storage.url)
    try:
        listed = incidents(config, "--since", "60d", "--tier", "none")
        other = next(i for i in listed if i != STORY)
        with store.begin() as conn:
            ev = event_from_dict(conn.execute(select(s.outbox.c.event).where(s.outbox.c.incident_id == STORY)).first()[0])
        other_ev = ev.__class__(**{**ev.__dict__, "incident": other})
        posted(store, other)  # as if its alert had been posted to Slack: buttons act only on our own messages
        now = datetime.now(UTC)
        handle_action(store, press(other_ev, SNOOZE, 1), FakeClock(now), ORIGIN)  # "4 hours"
        snoozed = incidents(config, "--since", "60d", "--tier", "none")[other]["snoozed_until"]
        assert snoozed is not None and abs(datetime.fromisoformat(snoozed.replace("Z", "+00:00")) - now - timedelta(hours=4)) < timedelta(seconds=5)
        handle_action(store, press(other_ev, NOT_COMPLAINT), FakeClock(now), ORIGIN)
        handle_action(store, press(other_ev, ACK, user="U0BOB"), FakeClock(now), ORIGIN)
        code, out, err = run("incident", other, "--config", str(config), "--format", "json")
        assert code == 0, err
        actions = [e for e in json.loads(out)["timeline"] if e["kind"] == "action"]
        assert [(a["action"], a["by"], a["via"]) for a in actions] == [
            ("snooze", "alice", "slack"), ("not_complaint", "alice", "slack"), ("acknowledge", "alice", "slack")]
        assert json.loads(out)["incident"]["not_complaint"] is True
    finally:
        store.close()


def test_snooze_and_feedback_from_the_cli_are_stored_as_the_buttons_store_them(history) -> None:
    config, _, _ = history
    loaded = load_config(config)
    store = Store(loaded.config.storage.url)
    try:
        target = next(i for i in incidents(config, "--since", "60d", "--tier", "none")
                      if i != STORY and incident_status(store, i) == IncidentStatus())  # nobody acted on it yet
        code, out, err = run("snooze", target, "--for", "90m", "--config", str(config), "--by", "carol")
        assert code == 0, err
        code, _, err = run("feedback", target, "not-a-complaint", "--config", str(config), "--by", "carol")
        assert code == 0, err
        a = s.incident_actions
        with store.begin() as conn:
            rows = conn.execute(select(a).where(a.c.incident_id == target, a.c.user == "carol").order_by(a.c.id)).all()
        assert [r.action for r in rows] == ["snooze", "not_complaint"]  # the buttons' own action names
        assert timedelta(minutes=89) < rows[0].until - rows[0].at <= timedelta(minutes=90)
        assert rows[0].detail == {"via": "cli", "user_name": "carol"}
        status = incident_status(store, target)
        assert status.not_complaint and status.snoozed_until == rows[0].until
    finally:
        store.close()


@pytest.mark.parametrize("args, message", [
    (("ack", "inc-000000000000"), "no incident 'inc-000000000000'"),
    (("ack", "inc"), "no incident 'inc'"),
    (("snooze", STORY, "--for", "soon"), "--for 'soon'"),
    (("snooze", STORY, "--for", "0s"), "at most 30 days"),
    (("snooze", STORY, "--for", "90d"), "at most 30 days"),
    (("incidents", "--since", "yesterday-ish"), "--since"),
])
def test_bad_input_exits_2_with_a_message(history, args, message) -> None:
    config, _, _ = history
    code, _, err = run(*args, "--config", str(config))
    assert code == 2 and message in err and "Traceback" not in err


def test_feedback_label_is_checked(history) -> None:
    config, _, _ = history
    code, _, err = run("feedback", STORY, "spam", "--config", str(config))
    assert code == 2 and "not-a-complaint" in err


def test_public_text_is_inert_on_a_terminal() -> None:
    hostile = "Acme\x1b]0;owned\x07 \x1b[2J\x9b31m red \u202egnp.exe\nsecond line\rback"
    safe = inert(hostile)
    assert not any(c in safe for c in "\x1b\x07\x9b\u202e\n\r")
    assert "Acme" in safe and "second line" in safe
