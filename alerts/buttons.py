"""The buttons under a Slack alert: Acknowledge, Snooze (1 h / 4 h / 24 h), Not a complaint.

``handle_action`` is the whole effect, a plain function of the ``block_actions`` payload exactly as
Slack sends it: it records the action in ``incident_actions``. The router reads it back
(``incident_status``): an acknowledged incident alerts again only when it climbs a tier (no reminders),
a snoozed one stays quiet until it wakes or turns critical, one marked "not a complaint" stays quiet
unless it turns critical, and the label is kept as feedback for replay and evaluation (``feedback_for``).

The Slack side is a thin layer: a slack-bolt ``App`` over Socket Mode (an ``xapp-`` app token with
``connections:write``; the monitor dials out, so no public URL is needed) that acknowledges within
Slack's 3 seconds, calls ``handle_action`` and notes who did what in the incident's thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from alerts.blocks import ACK, NOT_COMPLAINT, SNOOZE, SNOOZE_CHOICES
from monitor import schema as s
from monitor.actions import IncidentStatus, incident_status, record_action
from monitor.durations import format_timestamp
from monitor.interfaces import Clock
from monitor.store import Store

log = logging.getLogger("alerts.buttons")
__all__ = ["IncidentStatus", "handle_action", "incident_status", "feedback_for", "build_app", "ButtonListener"]
ACTIONS = {ACK: "acknowledge", SNOOZE: "snooze", NOT_COMPLAINT: "not_complaint"}
_SNOOZES = {seconds for _, seconds in SNOOZE_CHOICES}
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class ActionResult:
    incident: str
    action: str
    user: str | None
    until: datetime | None
    note: str


@dataclass(frozen=True)
class Feedback:
    incident: str
    brand: str | None
    label: str  # "not_complaint" or "acknowledged" (a human looked and took it as a real complaint)
    at: datetime
    user: str | None


def handle_action(store: Store, payload: dict[str, Any], clock: Clock) -> list[ActionResult]:
    """Record the buttons pressed in one ``block_actions`` payload; unknown actions are ignored."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    uid = str(user.get("id") or "")
    who = f"<@{uid}>" if _USER_ID.match(uid) else "someone"
    container = payload.get("container") or {}
    now = clock()
    results: list[ActionResult] = []
    for action in payload.get("actions") or []:
        kind = ACTIONS.get(str(action.get("action_id")))
        if kind is None:
            continue
        until = None
        if kind == "snooze":
            seconds, _, incident = str((action.get("selected_option") or {}).get("value", "")).partition("|")
            if not seconds.isdigit() or int(seconds) not in _SNOOZES:
                log.warning("unexpected snooze value ignored", extra={"value": seconds[:20]})
                continue
            until = now + timedelta(seconds=int(seconds))
        else:
            incident = str(action.get("value") or "")
        if not 0 < len(incident) <= 64:
            log.warning("button without a usable incident id ignored", extra={"action": kind})
            continue
        detail = {"channel": container.get("channel_id"), "message_ts": container.get("message_ts"),
                  "user_name": user.get("username") or user.get("name"), "action_ts": action.get("action_ts")}
        record_action(store, incident, kind, now, until=until, user=uid or None, detail=detail)
        note = {"acknowledge": f"{who} acknowledged this incident: from now on only escalations are posted.",
                "snooze": f"{who} snoozed this incident until {format_timestamp(until) if until else '?'}; "
                          "it alerts again earlier only if it turns critical.",
                "not_complaint": f"{who} marked this as not a complaint: kept as feedback; alerts stop unless "
                                 "it turns critical."}[kind]
        log.info("incident action", extra={"incident": incident, "action": kind, "user": uid})
        results.append(ActionResult(incident, kind, uid or None, until, note))
    return results


def feedback_for(store: Store, since: datetime | None = None) -> list[Feedback]:
    """The humans' labels of incidents, latest per incident, oldest first: for replay and evaluation."""
    a, i = s.incident_actions, s.incidents
    q = (select(a.c.incident_id, a.c.action, a.c.at, a.c.user, i.c.brand)
         .select_from(a.outerjoin(i, i.c.id == a.c.incident_id))
         .where(a.c.action.in_(("acknowledge", "not_complaint"))).order_by(a.c.at, a.c.id))
    if since is not None:
        q = q.where(a.c.at >= since)
    latest: dict[str, Feedback] = {}
    with store.begin() as conn:
        for r in conn.execute(q):
            label = "not_complaint" if r.action == "not_complaint" else "acknowledged"
            if latest.get(r.incident_id, None) and latest[r.incident_id].label == "not_complaint":
                continue  # "not a complaint" is the stronger statement; an ack afterwards does not undo it
            latest[r.incident_id] = Feedback(r.incident_id, r.brand, label, r.at, r.user)
    return sorted(latest.values(), key=lambda f: f.at)


# The Slack wiring -------------------------------------------------------------------------------

def build_app(store: Store, clock: Clock, client: Any, *, process_before_response: bool = False) -> Any:
    """A slack-bolt App whose only listener turns button presses into ``handle_action`` calls."""
    from slack_bolt import App

    app = App(client=client, token_verification_enabled=False, process_before_response=process_before_response,
              logger=logging.getLogger("alerts.buttons.bolt"))

    @app.action(re.compile(r"^incident_"))
    def on_action(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()  # within Slack's 3 s, before any work
        container = body.get("container") or {}
        for result in handle_action(store, body, clock):
            ts = container.get("thread_ts") or container.get("message_ts")
            if not (container.get("channel_id") and ts):
                continue
            try:
                client.chat_postMessage(channel=container["channel_id"], thread_ts=ts, text=result.note)
            except Exception as exc:  # noqa: BLE001 - the action is recorded; the note is a courtesy
                log.warning("could not note the action in the thread", extra={"error": type(exc).__name__})

    return app


class ButtonListener:
    """Socket Mode connection for the buttons: ``start()`` dials out in the background, ``stop()`` closes."""

    def __init__(self, store: Store, clock: Clock, bot_token: str, app_token: str, api_base_url: str | None = None):
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk import WebClient

        base = (api_base_url or "https://slack.com/api/").rstrip("/") + "/"
        self.app = build_app(store, clock, WebClient(token=bot_token, base_url=base))
        self.handler = SocketModeHandler(self.app, app_token, logger=logging.getLogger("alerts.buttons.socket"))

    def start(self) -> None:
        self.handler.connect()

    def stop(self) -> None:
        self.handler.close()
