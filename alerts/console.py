"""Alerts printed to the terminal (the embedded default, so the loop is visible end to end)."""

from __future__ import annotations

import sys
from typing import IO, Any, Self

from rich.console import Console
from rich.markup import escape

from monitor.config.durations import format_timestamp
from monitor.config.routing import ChannelSettings
from monitor.models import AlertEvent
from monitor.sanitize import printable

_COLOURS = {"watch": "cyan", "warning": "yellow", "critical": "bold red"}


class ConsoleAlertConfig(ChannelSettings):
    """``[alerts.console]``: on unless ``enabled = false``, even when the config leaves the section out."""

    @classmethod
    def absent(cls) -> Self | None:
        return cls()


class ConsoleChannel:
    name = "console"
    config_model = ConsoleAlertConfig

    @classmethod
    def from_config(cls, config: ConsoleAlertConfig, *, pages_url: str | None = None) -> ConsoleChannel:
        return cls()

    def __init__(self, stream: IO[str] | None = None):
        self.console = Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)

    def with_stream(self, stream: IO[str]) -> ConsoleChannel:
        """The same channel writing to ``stream`` (a capability: ``replay --send`` keeps stdout for its format)."""
        return ConsoleChannel(stream)

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        tier = event.tier.name
        mark = "[TEST] " if event.test else ("[REPLAY] " if event.replay else "")
        # Public text is made printable (no escape sequence or control character reaches the terminal)
        # and escaped (no rich markup: a post cannot colour, link or hide anything).
        self.console.print(
            f"[{_COLOURS[tier]}]{mark}{tier.upper()}[/] {_safe(event.brand)} · incident {_safe(event.incident)} · "
            f"score {event.score:.2f} · {event.mentions} mentions, {event.authors} authors · "
            f"{_safe(', '.join(event.sources)) or '-'} · first seen {format_timestamp(event.first_seen)}")
        for reason in event.reasons:
            self.console.print(f"    - {_safe(reason)}")
        for post in event.top_posts[:3]:
            text = printable(post.get("text", ""))[:200]
            self.console.print(f"    > {escape(text)}  {_safe(post.get('url') or '')}")
        return {"printed": int(state.get("printed", 0)) + 1}


def _safe(text: object) -> str:
    return escape(printable(text))
