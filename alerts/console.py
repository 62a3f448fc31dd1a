"""Alerts printed to the terminal (the embedded default, so the loop is visible end to end)."""

from __future__ import annotations

import sys
from typing import IO, Any

from rich.console import Console
from rich.markup import escape

from monitor.durations import format_timestamp
from monitor.models import AlertEvent

_COLOURS = {"watch": "cyan", "warning": "yellow", "critical": "bold red"}


class ConsoleChannel:
    name = "console"

    def __init__(self, stream: IO[str] | None = None):
        self.console = Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]:
        tier = event.tier.name
        mark = "[TEST] " if event.test else ("[REPLAY] " if event.replay else "")
        # Public text goes through escape(): a post cannot inject rich markup into the terminal.
        self.console.print(
            f"[{_COLOURS[tier]}]{mark}{tier.upper()}[/] {escape(event.brand)} · incident {event.incident} · "
            f"score {event.score:.2f} · {event.mentions} mentions, {event.authors} authors · "
            f"{', '.join(event.sources) or '-'} · first seen {format_timestamp(event.first_seen)}")
        for reason in event.reasons:
            self.console.print(f"    - {escape(reason)}")
        for post in event.top_posts[:3]:
            text = " ".join(str(post.get("text", "")).split())[:200]
            self.console.print(f"    > {escape(text)}  {escape(str(post.get('url') or ''))}")
        return {"printed": int(state.get("printed", 0)) + 1}
