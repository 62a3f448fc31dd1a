"""The buttons under a Slack alert: Acknowledge, Snooze (1 h / 4 h / 24 h), Not a complaint.

``handle_action`` is the whole effect, a plain function of the ``block_actions`` payload exactly as
Slack sends it: it records the action in ``incident_actions``. The router reads it back
(``incident_status``): an acknowledged incident alerts again only when it climbs a tier (no reminders),
a snoozed one stays quiet until it wakes or turns critical, one marked "not a complaint" stays quiet
unless it turns critical, and the label is kept as feedback for replay and evaluation
(``monitor.replay.feedback.feedback_for``).

A press counts only when it comes from our app (the app token's ID) in our workspace (``auth.test``),
on the very message the monitor posted for that incident and keeps (``channel_state``): a press
relayed from elsewhere, or on a message the monitor did not post, is ignored, and so is a payload
whose parts are not of the types Slack sends.

The Slack side is a thin layer: a slack-bolt ``App`` over Socket Mode (an ``xapp-`` app token with
``connections:write``; the monitor dials out, so no public URL is needed) that acknowledges within
Slack's 3 seconds, calls ``handle_action`` and notes who did what in the incident's thread.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from alerts.blocks import ACK, NOT_COMPLAINT, SNOOZE, SNOOZE_CHOICES
from monitor.config.durations import format_timestamp
from monitor.interfaces import Clock, Store
from monitor.models import IncidentStatus

log = logging.getLogger("alerts.buttons")
__all__ = ["IncidentStatus", "handle_action", "incident_status", "build_app", "ButtonListener"]
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
    channel: str = ""  # where the pressed message is: the note goes in its thread
    message_ts: str = ""


@dataclass(frozen=True)
class Origin:
    """Where our buttons live: our workspace (``auth.test``'s team_id) and our Slack app."""

    team_id: str
    app_id: str


def app_id_of(app_token: str) -> str:
    """The app's ID, which an app-level token carries as its third part (``xapp-1-A0123ABCD-…``)."""
    parts = app_token.split("-")
    if len(parts) < 3 or parts[0] != "xapp" or not parts[2].startswith("A"):
        raise ValueError("alerts.slack.app_token: not an app-level token of the form xapp-1-A…")
    return parts[2]


# The part of a block_actions payload that is used, with its types: anything else is rejected whole.
class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class _Team(_Part):
    id: str


class _User(_Part):
    """Who pressed. ``team_id`` names the workspace when the payload has no ``team``."""

    id: str
    username: str | None = None
    name: str | None = None
    team_id: str | None = None

    @property
    def mention(self) -> str:
        """The presser as the thread note names them: a mention only for an id of Slack's own form, as
        the id goes into a message (any other text there could carry markup or a ping)."""
        return f"<@{self.id}>" if _USER_ID.match(self.id) else "someone"


class _Container(_Part):
    channel_id: str
    message_ts: str


class _Option(_Part):
    value: str

    @property
    def snooze(self) -> tuple[str, str]:
        """(seconds, incident) of a snooze choice: ``alerts.blocks`` writes its value ``"<seconds>|<incident>"``."""
        seconds, _, incident = self.value.partition("|")
        return seconds, incident


class _Action(_Part):
    action_id: str
    value: str | None = None
    selected_option: _Option | None = None
    action_ts: str | None = None


class _Payload(_Part):
    api_app_id: str
    team: _Team | None = None
    user: _User
    container: _Container
    actions: list[_Action]


def incident_status(store: Store, incident: str) -> IncidentStatus:
    """What people did with ``incident`` (the router reads it; so do the tests)."""
    return store.incident_status(incident)


def handle_action(store: Store, payload: Any, clock: Clock, origin: Origin) -> list[ActionResult]:
    """Record the buttons pressed in one ``block_actions`` payload.

    Ignored, with a warning: a payload of the wrong shape, one from another app or workspace, and a
    press on any message but the one the monitor posted (and keeps) for that incident.
    """
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return []
    try:
        p = _Payload.model_validate(payload)
    except ValidationError as exc:
        where = sorted({".".join(str(x) for x in e["loc"]) for e in exc.errors()})[:5]
        log.warning("malformed button payload ignored", extra={"fields": where})
        return []
    team = p.team.id if p.team is not None else p.user.team_id
    if p.api_app_id != origin.app_id or team != origin.team_id:
        log.warning("button press from another app or workspace ignored",
                    extra={"app": p.api_app_id[:20], "team": str(team)[:20]})
        return []
    uid, who = p.user.id, p.user.mention
    now = clock()
    results: list[ActionResult] = []
    for action in p.actions:
        kind = ACTIONS.get(action.action_id)
        if kind is None:
            continue
        until = None
        if kind == "snooze":
            seconds, incident = action.selected_option.snooze if action.selected_option else ("", "")
            if not seconds.isdigit() or int(seconds) not in _SNOOZES:
                log.warning("unexpected snooze value ignored", extra={"value": seconds[:20]})
                continue
            until = now + timedelta(seconds=int(seconds))
        else:
            incident = action.value or ""
        if not 0 < len(incident) <= 64:
            log.warning("button without a usable incident id ignored", extra={"action": kind})
            continue
        if not _our_message(store, incident, p.container):
            log.warning("button on a message not posted for this incident ignored",
                        extra={"incident": incident, "action": kind})
            continue
        detail = {"via": "slack", "channel": p.container.channel_id, "message_ts": p.container.message_ts,
                  "user_name": p.user.username or p.user.name, "action_ts": action.action_ts}
        store.record_action(incident, kind, now, until=until, user=uid or None, detail=detail)
        note = {"acknowledge": f"{who} acknowledged this incident: from now on only escalations are posted.",
                "snooze": f"{who} snoozed this incident until {format_timestamp(until) if until else '?'}; "
                          "it alerts again earlier only if it turns critical.",
                "not_complaint": f"{who} marked this as not a complaint: kept as feedback; alerts stop unless "
                                 "it turns critical."}[kind]
        log.info("incident action", extra={"incident": incident, "action": kind, "user": uid})
        results.append(ActionResult(incident, kind, uid or None, until, note, p.container.channel_id,
                                    p.container.message_ts))
    return results


def _our_message(store: Store, incident: str, container: _Container) -> bool:
    """Is the pressed message the one Slack delivery posted, and keeps, for ``incident``?"""
    state = store.channel_state(incident, "slack")
    return bool(state.get("ts")) and state.get("ts") == container.message_ts \
        and state.get("channel") == container.channel_id


# The Slack wiring -------------------------------------------------------------------------------

def build_app(store: Store, clock: Clock, client: Any, origin: Callable[[], Origin | None], *,
              process_before_response: bool = False) -> Any:
    """A slack-bolt App whose only listener turns button presses into ``handle_action`` calls.

    ``origin`` says whose presses count; until it is known (None) every press is ignored."""
    from slack_bolt import App

    app = App(client=client, token_verification_enabled=False, process_before_response=process_before_response,
              logger=logging.getLogger("alerts.buttons.bolt"))

    @app.action(re.compile(r"^incident_"))
    def on_action(ack: Any, body: Any, client: Any) -> None:
        ack()  # within Slack's 3 s, before any work
        known = origin()
        if known is None:
            log.warning("button press before the workspace was known ignored")
            return
        for result in handle_action(store, body, clock, known):
            try:
                client.chat_postMessage(channel=result.channel, thread_ts=result.message_ts, text=result.note)
            except Exception as exc:  # noqa: BLE001 - the action is recorded; the note is a courtesy
                log.warning("could not note the action in the thread", extra={"error": type(exc).__name__})

    return app


class ButtonListener:
    """Socket Mode connection for the buttons: ``start()`` learns who we are and dials out; ``stop()`` closes."""

    def __init__(self, store: Store, clock: Clock, bot_token: str, app_token: str, api_base_url: str | None = None):
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk import WebClient

        base = (api_base_url or "https://slack.com/api/").rstrip("/") + "/"
        self.client = WebClient(token=bot_token, base_url=base)
        self.app_id = app_id_of(app_token)
        self.origin: Origin | None = None
        self.app = build_app(store, clock, self.client, lambda: self.origin)
        self.handler = SocketModeHandler(self.app, app_token, logger=logging.getLogger("alerts.buttons.socket"))

    def identify(self) -> Origin:
        """Our workspace, from ``auth.test``: presses from any other are ignored."""
        team = self.client.auth_test().get("team_id")
        if not isinstance(team, str) or not team:
            raise ValueError("slack auth.test gave no team_id")
        self.origin = Origin(team, self.app_id)
        return self.origin

    def start(self) -> None:
        self.identify()
        self.handler.connect()

    def stop(self) -> None:
        self.handler.close()
