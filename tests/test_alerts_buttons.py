"""Buttons: block_actions payloads as Slack sends them change what the monitor sends next."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import insert, select

from alerts.blocks import ACK, NOT_COMPLAINT, SNOOZE, root_blocks
from alerts.buttons import Origin, build_app, handle_action, incident_status
from alerts.slack import SlackChannel
from monitor.alerting.chain import Router
from monitor.alerting.outbox import Deliverer
from monitor.config.settings import parse_config
from monitor.models import AlertEvent, Tier
from monitor.replay.feedback import feedback_for
from monitor.storage import schema as s
from monitor.storage.store import Store
from tests.conftest import FakeClock
from tests.fakes.alerting import T0, event, queue
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-5555-buttons-secret"
ORIGIN = Origin(team_id="T0TEST", app_id="A0APP")
TS = "1709294400.000100"


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
    ts = TS
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


def posted(store: Store, *incidents: str, ts: str = TS, channel: str = "C0CXESC01") -> None:
    """The state Slack delivery keeps after posting an incident's message (its ts and channel)."""
    with store.begin() as conn:
        conn.execute(insert(s.channel_state), [{"incident_id": i, "channel": "slack",
                                                "state": {"ts": ts, "channel": channel, "tier": "warning"}}
                                               for i in incidents])


def router(store: Store) -> Router:
    return Router(parse_config("", env={}).config.alerts, ("slack",), store)


def test_acknowledged_incident_gets_escalations_but_no_reminders(store, fclock):
    r = router(store)
    posted(store, "inc-1")
    warning = event(tier=Tier.warning, previous=Tier.watch)
    reminder = event(tier=Tier.warning, previous=Tier.warning, at=T0 + timedelta(hours=4))
    assert r(reminder) == ["slack"]
    [result] = handle_action(store, press(warning, ACK), fclock, ORIGIN)
    assert result.action == "acknowledge" and result.user == "U0ALICE" and "<@U0ALICE>" in result.note
    assert r(reminder) == []
    assert r(event(tier=Tier.critical, previous=Tier.warning)) == ["slack"]


def test_snooze_quiets_until_it_wakes_or_turns_critical(store, fclock):
    r = router(store)
    posted(store, "inc-1")
    ev = event(tier=Tier.watch)
    [result] = handle_action(store, press(ev, SNOOZE, option=1), fclock, ORIGIN)  # 4 hours
    assert result.until == T0 + timedelta(hours=4)
    assert r(event(tier=Tier.warning, previous=Tier.watch, at=T0 + timedelta(hours=1))) == []
    assert r(event(tier=Tier.critical, previous=Tier.watch, at=T0 + timedelta(hours=2))) == ["slack"]
    assert r(event(tier=Tier.warning, previous=Tier.watch, at=T0 + timedelta(hours=4, seconds=1))) == ["slack"]


def test_not_a_complaint_is_feedback_and_mutes_below_critical(store, fclock):
    r = router(store)
    ev = event("inc-fp", tier=Tier.warning)
    posted(store, "inc-fp", "inc-real")
    handle_action(store, press(ev, NOT_COMPLAINT, user="U0BOB"), fclock, ORIGIN)
    handle_action(store, press(event("inc-real"), ACK), fclock, ORIGIN)
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
        [root] = fake.roots()
        pressed = press(first, ACK)
        pressed["container"]["message_ts"] = root.ts
        assert handle_action(store, pressed, fclock, ORIGIN)
        reminder = event(tier=Tier.warning, previous=Tier.warning, at=T0 + timedelta(hours=4))
        assert r(reminder) == []
        up = event(tier=Tier.critical, previous=Tier.warning, at=T0 + timedelta(hours=5))
        queue(store, up, channels=r(up))
        deliver()
        [root] = fake.roots()
        assert len(fake.replies(root.ts)) == 1 and "CRITICAL" in root.text


def test_unknown_or_malformed_actions_are_ignored(store, fclock):
    posted(store, "inc-1")
    ev = event()
    bad = press(ev, SNOOZE)
    bad["actions"][0]["selected_option"]["value"] = "99999|inc-1"
    assert handle_action(store, bad, fclock, ORIGIN) == []
    other = press(ev, ACK)
    other["actions"][0]["action_id"] = "something_else"
    assert handle_action(store, other, fclock, ORIGIN) == []
    assert handle_action(store, {"type": "view_submission"}, fclock, ORIGIN) == []
    long_id = press(ev, ACK)
    long_id["actions"][0]["value"] = "x" * 65
    assert handle_action(store, long_id, fclock, ORIGIN) == []
    assert incident_status(store, "inc-1").acknowledged is False


def _retyped(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node: Any = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return payload


@pytest.mark.parametrize("path, value", [
    (("user",), "U0ALICE"),                          # a string where Slack sends an object
    (("user", "id"), 42),
    (("container",), None),
    (("container", "message_ts"), 1709294400.0001),
    (("actions",), {"action_id": ACK}),
    (("actions", 0), "incident_ack"),
    (("actions", 0, "value"), ["inc-1"]),
    (("team",), "T0TEST"),
    (("api_app_id",), None),
])
def test_wrongly_typed_payloads_are_rejected_cleanly(store, fclock, path, value):
    posted(store, "inc-1")
    assert handle_action(store, _retyped(press(event(), ACK), path, value), fclock, ORIGIN) == []
    assert handle_action(store, ["not", "an", "object"], fclock, ORIGIN) == []
    assert incident_status(store, "inc-1").acknowledged is False


@pytest.mark.parametrize("case", ["other team", "other app", "other channel", "other message", "never posted",
                                  "posted for another incident"])
def test_presses_from_elsewhere_are_not_stored(store, fclock, case):
    posted(store, "inc-1")
    payload = press(event(), ACK)
    if case == "other team":
        payload["team"]["id"] = payload["user"]["team_id"] = "T0OTHER"
    elif case == "other app":
        payload["api_app_id"] = "A0OTHER"
    elif case == "other channel":
        payload["container"]["channel_id"] = payload["channel"]["id"] = "C0ELSEWHERE"
    elif case == "other message":
        payload["container"]["message_ts"] = "1709299999.000200"
    elif case == "never posted":
        payload = press(event("inc-never-posted"), ACK)
    else:
        posted(store, "inc-2", ts="1709295555.000300")
        payload = press(event("inc-2"), ACK)  # the button of inc-2 on inc-1's message
    assert handle_action(store, payload, fclock, ORIGIN) == []
    with store.begin() as conn:
        assert conn.execute(select(s.incident_actions)).all() == []
    assert handle_action(store, press(event(), ACK), fclock, ORIGIN)  # the genuine press still counts


def test_bolt_wiring_acks_records_and_notes_in_thread(store, fclock):
    from slack_bolt.request import BoltRequest

    with FakeSlack(token=TOKEN) as fake:
        posted_state = SlackChannel(TOKEN, "#cx-escalations", api_base_url=fake.api_url).send(event(), {})
        posted(store, "inc-1", ts=posted_state["ts"], channel=posted_state["channel"])
        app = build_app(store, fclock, WebClient(token=TOKEN, base_url=fake.api_url), lambda: ORIGIN,
                        process_before_response=True)
        payload = press(event(), ACK)
        payload["container"]["message_ts"] = posted_state["ts"]
        resp = app.dispatch(BoltRequest(body=payload, mode="socket_mode"))
        assert resp.status == 200
        assert incident_status(store, "inc-1").acknowledged
        [note] = fake.replies(posted_state["ts"])
        assert "acknowledged" in note.text and "<@U0ALICE>" in note.text


def test_presses_count_only_once_the_workspace_is_known(store, fclock):
    from slack_bolt.request import BoltRequest

    known: list[Origin] = []
    with FakeSlack(token=TOKEN) as fake:
        app = build_app(store, fclock, WebClient(token=TOKEN, base_url=fake.api_url),
                        lambda: known[0] if known else None, process_before_response=True)
        posted(store, "inc-1")
        assert app.dispatch(BoltRequest(body=press(event(), ACK), mode="socket_mode")).status == 200
        assert not incident_status(store, "inc-1").acknowledged  # whose workspace is this? not known yet
        known.append(ORIGIN)
        app.dispatch(BoltRequest(body=press(event(), ACK), mode="socket_mode"))
        assert incident_status(store, "inc-1").acknowledged


def test_socket_mode_listener_learns_its_workspace_before_it_connects(store, fclock):
    from alerts.buttons import ButtonListener

    with FakeSlack(token=TOKEN) as fake:
        listener = ButtonListener(store, fclock, TOKEN, "xapp-1-A0APP-123", api_base_url=fake.api_url)
        assert listener.handler.app is listener.app and listener.app_id == "A0APP" and listener.origin is None
        assert fake.calls() == []  # nothing dialled until start()
        assert listener.identify() == ORIGIN  # what start() does first (auth.test), before it connects
        assert listener.origin == ORIGIN
        listener.stop()
    with pytest.raises(ValueError, match="app_token"):
        ButtonListener(store, fclock, TOKEN, "xapp-nonsense")
