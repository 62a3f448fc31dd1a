"""Slack: one message per incident, updated in place as it grows, each escalation posted in its thread.

Bot-token mode (``SlackChannel``) needs the ``chat:write`` scope (and, for the duplicate check below,
``channels:history``, ``groups:history`` and ``channels:read`` / ``groups:read``; without them the check
is skipped). The first alert of an incident posts the root
message and keeps its ``ts``; later alerts update that message (``chat.update``) and reply in its thread
(``thread_ts``; the climb to critical is also broadcast to the channel, since an edit notifies nobody).
A root that was deleted is posted again.

Delivery is at-least-once (see ``monitor.alerting.outbox``). When the process stopped in the middle of a send, the
outbox marks the retry as *uncertain*; every message carries Slack message metadata naming its
incident, tier and time, so the retry first looks for it (in the channel's history, or in the thread)
and does not post it twice. A check that fails for now (429, 5xx, a timeout) makes the delivery wait
and retry, never post blind; without the history scopes the check is skipped (said once, at warning)
and a crash in that instant can repeat one message.

Retries are left to the outbox (one place, with the injected clock): the client's own retry handlers
are switched off and every failure becomes a ``ChannelError`` that says whether to retry.

Incoming-webhook mode (``SlackWebhookChannel``, ``webhook_url`` instead of ``bot_token``) is simpler to
set up but limited: a webhook can neither update a message nor reply in a thread nor carry working
buttons, so every alert of an incident is a new message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.error import URLError

from pydantic import Field, model_validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from alerts.blocks import escape, fallback_text, root_blocks, thread_blocks
from monitor.config.durations import Timeout, format_timestamp
from monitor.config.routing import ChannelSettings
from monitor.config.secrets import Secret, redact, reveal, url_secrets
from monitor.errors import ChannelError
from monitor.interfaces import UNCERTAIN
from monitor.models import AlertEvent, Tier, incident_url
from monitor.retry import retry_after
from monitor.sanitize import printable

log = logging.getLogger("alerts.slack")
META_TYPE = "complaint_monitor_alert"
RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
HINTS = {
    "invalid_auth": "check alerts.slack.bot_token", "not_authed": "check alerts.slack.bot_token",
    "token_revoked": "the bot token was revoked; reinstall the app", "account_inactive": "the app's user is inactive",
    "channel_not_found": "check alerts.slack.channel (a private channel needs the app invited)",
    "not_in_channel": "invite the app to the channel (/invite @app)", "is_archived": "the channel is archived",
    "missing_scope": "add the chat:write scope and reinstall the app",
    "invalid_token": "check alerts.slack.webhook_url", "no_service": "the webhook was removed; make a new one",
}
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


class SlackAlertConfig(ChannelSettings):
    """``[alerts.slack]``: a bot token (messages updated in place, threads, buttons) or an incoming
    webhook (neither)."""

    bot_token: Secret = None
    app_token: Secret = None            # xapp-…: Socket Mode for the buttons (no public URL needed)
    webhook_url: Secret = None          # instead of bot_token: simpler, but no updates, threads or buttons
    channel: str = ""                   # the channel ID (C0123ABCD) or "#name"; required with bot_token
    api_base_url: str | None = None
    timeout: Timeout = 20.0
    max_posts: int = Field(default=5, ge=0, le=20)
    buttons: bool = True

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackAlertConfig:
        if self.bot_token and self.webhook_url:
            raise ValueError("give bot_token or webhook_url, not both")
        if self.app_token and not self.app_token.get_secret_value().startswith("xapp-"):
            raise ValueError("app_token must be an app-level token (xapp-…) with connections:write")
        return self

    def problems(self) -> list[tuple[str, str]]:
        if self.enabled and not self.webhook_url and not self.channel.strip():
            return [("channel", "missing: the channel to post to, its ID (C0123ABCD) or \"#name\"")]
        return []

    def off_reason(self) -> str | None:
        return super().off_reason() or (None if self.bot_token or self.webhook_url else "no bot_token or webhook_url")

    def describe(self) -> str:
        if self.bot_token:
            return f", channel {self.channel}" + (", with buttons" if self.app_token and self.buttons else ", no buttons")
        return ", incoming webhook (no updates, threads or buttons)"


def _network(what: str, exc: BaseException, secrets: Sequence[str]) -> ChannelError:
    return ChannelError(redact(f"slack {what}: network error ({type(exc).__name__}: {exc})", secrets))


def api_error(what: str, status: int, error: str, headers: dict[str, Any],
              secrets: Sequence[str] = ()) -> ChannelError:
    """Sort one Slack answer: 429 waits, 5xx and Slack's own transient errors retry, the rest is permanent."""
    # Secrets out before the cut: a cut through a secret would leave its first half unrecognised.
    error = printable(redact(str(error), secrets))[:200]
    hint = HINTS.get(error)
    msg = f"slack {what}: {error} (HTTP {status})" + (f" — {hint}" if hint else "")
    if status == 429 or error == "ratelimited":
        return ChannelError(msg, retry_after=retry_after(headers, names=("retry-after",), default=30.0))
    if status >= 500 or status == 408 or error in RETRYABLE:
        return ChannelError(msg)
    return ChannelError(msg, permanent=True)


def _state(ts: str, channel: str | None, event: AlertEvent) -> dict[str, Any]:
    """What the channel keeps of an incident's message: where it is, its tier, and its link (Slack
    redirects an archives address to the workspace's message)."""
    link = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}" if channel else None
    return {"ts": ts, "channel": channel, "tier": event.tier.name, "link": link}


def _metadata(event: AlertEvent, part: str) -> dict[str, Any]:
    return {"event_type": META_TYPE, "event_payload": {
        "incident": event.incident, "tier": event.tier.name, "part": part, "at": format_timestamp(event.at)}}


class SlackChannel:
    name = "slack"
    config_model = SlackAlertConfig

    @classmethod
    def from_config(cls, config: SlackAlertConfig, *,
                    pages_url: str | None = None) -> SlackChannel | SlackWebhookChannel:
        """The bot-token channel, or the incoming-webhook one when the section gives ``webhook_url``.
        ``pages_url`` (``[web] public_url``): messages link to the incident's page there."""
        if config.webhook_url:
            return SlackWebhookChannel(config.webhook_url.get_secret_value(), timeout=config.timeout,
                                       max_posts=config.max_posts, pages_url=pages_url)
        return cls(reveal(config.bot_token) or "", config.channel, api_base_url=config.api_base_url,
                   timeout=config.timeout, max_posts=config.max_posts,
                   buttons=config.buttons and bool(config.app_token), pages_url=pages_url)

    def __init__(self, token: str, channel: str, *, api_base_url: str | None = None, timeout: float = 20.0,
                 max_posts: int = 5, buttons: bool = True, pages_url: str | None = None):
        base = (api_base_url or "https://slack.com/api/").rstrip("/") + "/"
        quiet = logging.getLogger("alerts.slack.client")
        quiet.setLevel(logging.CRITICAL)  # failures are reported once, by the outbox, not per attempt by the client
        self.client = WebClient(token=token, base_url=base, timeout=max(1, round(timeout)), retry_handlers=[],
                                logger=quiet)
        self.channel, self.max_posts, self.buttons = channel, max_posts, buttons
        self.pages_url = pages_url  # [web] public_url: messages link to the incident's page
        self._token = token
        self._channel_id: str | None = channel if _CHANNEL_ID.match(channel) else None
        self._check_unavailable: set[str] = set()  # permanent duplicate-check errors already reported

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        uncertain = bool(state.get(UNCERTAIN))
        ts, channel = state.get("ts"), state.get("channel")
        blocks = root_blocks(event, max_posts=self.max_posts, buttons=self.buttons,
                             page=incident_url(self.pages_url, event.incident))
        common = {"text": fallback_text(event), "blocks": blocks, "metadata": _metadata(event, "root")}
        if not ts:
            if uncertain:  # the root may be in Slack already: adopt it rather than post a second one
                ts, channel = self._find(event, "root")
            if not ts:
                return self._post_root(event, common)
            self._call("chat.update", self.client.chat_update, channel=channel, ts=ts, **common)
            return _state(ts, channel, event)
        try:
            self._call("chat.update", self.client.chat_update, channel=channel, ts=ts, **common)
        except ChannelError as exc:
            if not any(e in str(exc) for e in ("message_not_found", "cant_update_message")):
                raise
            log.warning("slack root message gone; posting a new one", extra={"incident": event.incident})
            return self._post_root(event, common)
        if not (uncertain and self._find(event, "thread", thread_ts=ts, channel=channel)[0]):
            self._call("chat.postMessage", self.client.chat_postMessage, channel=channel, thread_ts=ts,
                       text=fallback_text(event), blocks=thread_blocks(event), metadata=_metadata(event, "thread"),
                       unfurl_links=False, unfurl_media=False,
                       # an update does not notify anyone: turning critical is also shown in the channel
                       reply_broadcast=event.tier is Tier.critical and event.tier > event.previous_tier)
        return _state(ts, channel, event)

    def _post_root(self, event: AlertEvent, common: dict[str, Any]) -> dict[str, Any]:
        data = self._call("chat.postMessage", self.client.chat_postMessage, channel=self.channel,
                          unfurl_links=False, unfurl_media=False, **common)
        return _state(data["ts"], data["channel"], event)

    # Capabilities (monitor/alerting/capabilities.py) ----------------------------------------------

    @classmethod
    def listener(cls, config: SlackAlertConfig, *, store: Any, clock: Any) -> Any:
        """The buttons over Socket Mode, when the section gives a bot and an app token."""
        if not (config.buttons and config.bot_token and config.app_token):
            return None
        from alerts.buttons import ButtonListener

        return ButtonListener(store, clock, reveal(config.bot_token) or "", reveal(config.app_token) or "",
                              config.api_base_url)

    def note(self, state: dict[str, Any], text: str) -> None:
        """A reply in the incident's thread (``state``: its message), as a button press leaves one."""
        if not (state.get("channel") and state.get("ts")):
            return
        self._call("chat.postMessage", self.client.chat_postMessage, channel=state["channel"], thread_ts=state["ts"],
                   text=escape(text), unfurl_links=False, unfurl_media=False)

    def _find(self, event: AlertEvent, part: str, *, thread_ts: str | None = None,
              channel: str | None = None) -> tuple[str | None, str | None]:
        """After a possibly half-done send: the message this very alert already posted, if Slack has it."""
        try:
            channel = channel or self._channel_id or self._resolve()
            if channel is None:
                return None, None
            if thread_ts:
                data = self._call("conversations.replies", self.client.conversations_replies, channel=channel,
                                  ts=thread_ts, include_all_metadata=True, limit=200)
            else:
                oldest = str(event.first_seen.timestamp() - 3600)
                data = self._call("conversations.history", self.client.conversations_history, channel=channel,
                                  oldest=oldest, include_all_metadata=True, limit=200)
        except ChannelError as exc:
            if not exc.permanent:
                # Not knowing whether the first send arrived, posting again could show it twice: the
                # delivery waits and retries (the outbox's back-off, or the 429's Retry-After).
                raise ChannelError(f"slack duplicate check failed for now, delivery retried later: {exc}",
                                   retry_after=exc.retry_after) from None
            # It cannot work at all (a missing scope): say so once, with what it costs, and send.
            if str(exc) not in self._check_unavailable:
                self._check_unavailable.add(str(exc))
                log.warning("slack duplicate check unavailable; a crash in the middle of a send may repeat one "
                            "message", extra={"incident": event.incident, "error": str(exc)})
            return None, None
        want = _metadata(event, part)["event_payload"]
        for message in data.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if all(payload.get(k) == want[k] for k in (("incident", "part") if part == "root" else want)):
                return str(message["ts"]), channel
        return None, None

    def _resolve(self) -> str | None:
        """The ID of a channel configured by name (``conversations.list``, needs ``channels:read``)."""
        name, cursor = self.channel.lstrip("#"), None
        for _ in range(20):
            data = self._call("conversations.list", self.client.conversations_list, cursor=cursor, limit=1000,
                              exclude_archived=True, types="public_channel,private_channel")
            for c in data.get("channels") or []:
                if c.get("name") == name:
                    self._channel_id = str(c["id"])
                    return self._channel_id
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def _call(self, what: str, method: Callable[..., SlackResponse], **kwargs: Any) -> dict[str, Any]:
        try:
            resp = method(**kwargs)
        except SlackApiError as exc:
            r = exc.response
            data = r.data if isinstance(r.data, dict) else {}
            raise api_error(what, r.status_code, data.get("error", "unexpected answer"), r.headers,
                            (self._token,)) from None
        except (SlackClientError, URLError, OSError) as exc:
            raise _network(what, exc, (self._token,)) from None
        data = resp.data if isinstance(resp.data, dict) else {}
        if isinstance(data.get("channel"), str):
            self._channel_id = data["channel"]
        return data


class SlackWebhookChannel:
    """Incoming-webhook mode: one new message per alert (no updates, no threads, no buttons)."""

    name = "slack"

    def __init__(self, url: str, *, timeout: float = 20.0, max_posts: int = 5, pages_url: str | None = None):
        quiet = logging.getLogger("alerts.slack.client")
        quiet.setLevel(logging.CRITICAL)  # its debug lines would print the URL, which is a secret
        self.client = WebhookClient(url, timeout=max(1, round(timeout)), logger=quiet, retry_handlers=[])
        self.max_posts, self.pages_url = max_posts, pages_url
        # An error body may echo the URL, its path or its key without the rest: none of them is shown.
        self._secrets = (url, *url_secrets(url, whole=True))

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self.client.send(text=fallback_text(event), unfurl_links=False, unfurl_media=False,
                                    blocks=root_blocks(event, max_posts=self.max_posts, buttons=False,
                                                       page=incident_url(self.pages_url, event.incident)))
        except (SlackClientError, URLError, OSError) as exc:
            raise _network("webhook", exc, self._secrets) from None
        if resp.status_code != 200:
            raise api_error("webhook", resp.status_code, resp.body or "", dict(resp.headers or {}), self._secrets)
        return {"posted": int(state.get("posted", 0)) + 1}
