"""Buttons: block_actions payloads as Slack sends them change what the monitor sends next."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from alerts.blocks import ACK, NOT_COMPLAINT, SNOOZE, root_blocks
from alerts.buttons import build_app, feedback_for, handle_action, incident_status
from alerts.routing import Router
from alerts.slack import SlackChannel
from monitor import schema as s
from monitor.config import parse_config
from monitor.models import AlertEvent, Tier
from monitor.outbox import Deliverer
from monitor.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, queue
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-5555-buttons-secret"


@pytest.fixture
def store(tmp_path):
    return Store("sqlite:///" + str(tmp_path / "m.db"))


@pytest.fixture
def fclock():
    return FakeClock(T0)


def press(ev: AlertEvent, action_id: str, option: int = 0, *, user: str = "U0ALICE") -> dict[str, Any]:
    """A ``block_actions`` payload for a click on the message we rendered, shaped as Slack sends it."""
    blocks = root_blocks(ev)
    actions = blocks[-1]
    element = next(e for e in actions["elements"] if e["action_id"] == action_id)
    action: dict[str, Any] = {"action_id": action_id, "block_id": actions["block_id"], "type": element["type"],
                              "action_ts": "1709294460.123456"}
    if element["type"] == "button":
        action.update(value=element["value"], text={**element["text"], "emoji": True})
        if "style" in element:
            action["style"] = element["style"]
    else:
        action.update(selected_option=element["options"][option], placeholder=element["placeholder"])
    ts = "1709294400.000100"
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0TEST"},
        "api_app_id": "A0APP", "token": "legacy-verification-token", "trigger_id": "1.2.abc",
        "container": {"type": "message", "message_ts": ts, "channel_id": "C0CXESC01", "is_ephemeral": False},
        "team": {"id": "T0TEST", "domain": "test"}, "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": "C0CXESC01", "name": "cx-escalations"},
        "message": {"type": "message", "subtype": "bot_message", "text": "WARNING: Acme Air", "ts": ts,
                    "bot_id": "B0BOT", "blocks": blocks},
        "state": {"values": {}}, "response_url": "https://hooks.slack.com/actions/T0TEST/1/xyz",
        "actions": [action],
    }


def router(store: Store) -> Router:
    return Router(parse_config("", env={}).config.alerts, ("slack",), store)


def test_acknowledged_incident_gets_escalations_but_no_reminders(store, fclock):
    r = router(store)
    warning = event(tier=Tier.warning, previous=Tier.watch)
    reminder = event(tier=Tier.warning, previous=Tier.warning, at=T0 + timedelta(hours=4))
    assert r(reminder) == ["slack"]
    [result] = handle_action(store, press(warning, ACK), fclock)
    assert result.action == "acknowledge" and result.user == "U0ALICE" and "<@U0ALICE>" in result.note
    assert r(reminder) == []
    assert r(event(tier=Tier.critical, previous=Tier.warning)) == ["slack"]


def test_snooze_quiets_until_it_wakes_or_turns_critical(store, fclock):
    r = router(store)
    ev = event(tier=Tier.watch)
    [result] = handle_action(store, press(ev, SNOOZE, option=1), fclock)  # 4 hours
    assert result.until == T0 + timedelta(hours=4)
    assert r(event(tier=Tier.warning, previous=Tier.watch, at=T0 + timedelta(hours=1))) == []
    assert r(event(tier=Tier.critical, previous=Tier.watch, at=T0 + timedelta(hours=2))) == ["slack"]
    assert r(event(tier=Tier.warning, previous=Tier.watch, at=T0 + timedelta(hours=4, seconds=1))) == ["slack"]


def test_not_a_complaint_is_feedback_and_mutes_below_critical(store, fclock):
    r = router(store)
    ev = event("inc-fp", tier=Tier.warning)
    handle_action(store, press(ev, NOT_COMPLAINT, user="U0BOB"), fclock)
    handle_action(store, press(event("inc-real"), ACK), fclock)
    assert r(event("inc-fp", Tier.warning, Tier.watch)) == []
    assert r(event("inc-fp", Tier.critical, Tier.warning)) == ["slack"]
    fb = {f.incident: f for f in feedback_for(store)}
    assert fb["inc-fp"].label == "not_complaint" and fb["inc-fp"].user == "U0BOB"
    assert fb["inc-real"].label == "acknowledged"
    assert feedback_for(store, since=T0 + timedelta(seconds=1)) == []
    with store.begin() as conn:
        row = conn.execute(select(s.incident_actions).where(s.incident_actions.c.incident_id == "inc-fp")).one()
    assert row.detail["channel"] == "C0CXESC01" and row.detail["user_name"] == "alice"


def test_presses_change_what_reaches_slack(store, fclock):
    """Through the outbox: an acknowledged incident's reminder is not sent; its escalation is."""
    with FakeSlack(token=TOKEN) as fake:
        deliver = Deliverer(store, {"slack": SlackChannel(TOKEN, "#cx-escalations", api_base_url=fake.api_url)},
                            fclock).deliver
        r = router(store)
        first = event(tier=Tier.warning)
        queue(store, first, channels=r(first))
        deliver()
        handle_action(store, press(first, ACK), fclock)
        reminder = event(tier=Tier.warning, previous=Tier.warning, at=T0 + timedelta(hours=4))
        assert r(reminder) == []
        up = event(tier=Tier.critical, previous=Tier.warning, at=T0 + timedelta(hours=5))
        queue(store, up, channels=r(up))
        deliver()
        [root] = fake.roots()
        assert len(fake.replies(root.ts)) == 1 and "CRITICAL" in root.text


def test_unknown_or_malformed_actions_are_ignored(store, fclock):
    ev = event()
    bad = press(ev, SNOOZE)
    bad["actions"][0]["selected_option"]["value"] = "99999|inc-1"
    assert handle_action(store, bad, fclock) == []
    other = press(ev, ACK)
    other["actions"][0]["action_id"] = "something_else"
    assert handle_action(store, other, fclock) == []
    assert handle_action(store, {"type": "view_submission"}, fclock) == []
    long_id = press(ev, ACK)
    long_id["actions"][0]["value"] = "x" * 65
    assert handle_action(store, long_id, fclock) == []
    assert incident_status(store, "inc-1").acknowledged is False


def test_bolt_wiring_acks_records_and_notes_in_thread(store, fclock):
    from slack_bolt.request import BoltRequest

    with FakeSlack(token=TOKEN) as fake:
        posted = SlackChannel(TOKEN, "#cx-escalations", api_base_url=fake.api_url).send(event(), {})
        app = build_app(store, fclock, WebClient(token=TOKEN, base_url=fake.api_url), process_before_response=True)
        payload = press(event(), ACK)
        payload["container"]["message_ts"] = posted["ts"]
        resp = app.dispatch(BoltRequest(body=payload, mode="socket_mode"))
        assert resp.status == 200
        assert incident_status(store, "inc-1").acknowledged
        [note] = fake.replies(posted["ts"])
        assert "acknowledged" in note.text and "<@U0ALICE>" in note.text


def test_socket_mode_listener_is_built_without_connecting(store, fclock):
    from alerts.buttons import ButtonListener

    with FakeSlack(token=TOKEN) as fake:
        listener = ButtonListener(store, fclock, TOKEN, "xapp-1-A0APP-123", api_base_url=fake.api_url)
        assert listener.handler.app is listener.app
        listener.stop()
        assert fake.calls() == []  # nothing dialled until start()
