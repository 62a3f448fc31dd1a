"""A Microsoft Teams channel: one message card per alert, posted to an incoming webhook (a workflow
URL). Written as a channel module of its own would be: its config section, a constructor from it,
and ``send``, which raises ``ChannelError`` saying whether to retry; and the optional capabilities
(monitor/alerting/capabilities.py) a channel with buttons has: a ``listener`` for its buttons, a
``note`` under an incident's message, and the message's ``link`` in its state.
"""

from __future__ import annotations

from typing import Any

import requests

from monitor.config.durations import Timeout
from monitor.config.routing import ChannelSettings
from monitor.config.secrets import Secret, redact, url_secrets
from monitor.errors import ChannelError
from monitor.models import AlertEvent
from monitor.retry import retry_after
from monitor.sanitize import printable


class TeamsAlertConfig(ChannelSettings):
    """``[alerts.teams]``: the incoming webhook's URL, a secret (whoever has it can post)."""

    webhook_url: Secret = None
    timeout: Timeout = 10.0
    buttons: bool = False  # listen for presses on the cards' buttons

    def off_reason(self) -> str | None:
        return super().off_reason() or (None if self.webhook_url else "no webhook_url")

    def describe(self) -> str:
        return ", incoming webhook"


class ButtonListener:
    """Stands for a connection that hears the cards' buttons: what the core starts and stops."""

    started: list[ButtonListener] = []

    def __init__(self, store: Any, clock: Any):
        self.store, self.clock, self.running = store, clock, False

    def start(self) -> None:
        self.running = True
        ButtonListener.started.append(self)

    def stop(self) -> None:
        self.running = False


class TeamsChannel:
    name = "teams"
    config_model = TeamsAlertConfig

    @classmethod
    def from_config(cls, config: TeamsAlertConfig, *, pages_url: str | None = None) -> TeamsChannel:
        assert config.webhook_url is not None  # only built when on
        return cls(config.webhook_url.get_secret_value(), timeout=config.timeout)

    @classmethod
    def listener(cls, config: TeamsAlertConfig, *, store: Any, clock: Any) -> ButtonListener | None:
        return ButtonListener(store, clock) if config.buttons else None

    def note(self, state: dict[str, Any], text: str) -> None:
        """A card answering the incident's card (Teams' incoming webhooks cannot thread)."""
        self._post({"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": "note",
                    "title": f"Note on {printable(state.get('link', ''))}", "text": printable(text)})

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url, self.timeout = url, timeout
        self._secrets = (url, *url_secrets(url, whole=True))

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        mark = "[TEST] " if event.test else ("[REPLAY] " if event.replay else "")
        card = {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": printable(f"{mark}{event.tier.name.upper()} · {event.brand}"),
                "title": printable(f"{mark}{event.tier.name.upper()} · {event.brand} · score {event.score:.2f}"),
                "text": "\n\n".join(printable(r) for r in event.reasons)}
        self._post(card)
        return {"posted": int(state.get("posted", 0)) + 1, "link": f"https://teams.example/cards/{event.incident}"}

    def _post(self, card: dict[str, Any]) -> None:
        try:
            resp = requests.post(self.url, json=card, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise ChannelError(redact(f"teams: network error ({type(exc).__name__}: {exc})", self._secrets)) from None
        if resp.status_code == 429:
            raise ChannelError("teams: HTTP 429", retry_after=retry_after(resp.headers, default=30.0))
        if resp.status_code >= 500:
            raise ChannelError(f"teams: HTTP {resp.status_code}")
        if resp.status_code >= 300:
            raise ChannelError(f"teams: HTTP {resp.status_code} (check alerts.teams.webhook_url)", permanent=True)
