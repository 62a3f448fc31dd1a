"""What ``monitor replay`` shows: its progress bar, the alert table and why nothing was found."""

from __future__ import annotations

import contextlib
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from monitor.config.durations import format_timestamp
from monitor.config.settings import Config
from monitor.replay.run import ReplayResult, lead_times
from monitor.sanitize import printable


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} obs/s" if task.speed else "")


@contextlib.contextmanager
def progress_bar(console: Console, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar with rate and ETA on a terminal; nothing otherwise."""
    if not console.is_terminal:
        yield None
        return
    columns = [TextColumn("replaying"), BarColumn(), TaskProgressColumn(), TextColumn("{task.completed:,} obs"),
               _Rate(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replay", total=total)
        yield lambda done: bar.update(task, completed=done)


def print_table(result: ReplayResult, markers: list[tuple[str, datetime]], out: IO[str]) -> None:
    """The alert timeline, one alert a paragraph: its time, tier, brand, incident and size on one line,
    its reasons below, wrapped at the terminal's width. Every piece of text is made printable."""
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 160))
    for a in result.alerts:
        head = f"{format_timestamp(a.at)}  {a.tier.name:<8}  {a.brand}  {a.incident}  score {a.score:.2f}"
        out.write(textwrap.fill(printable(head), width=width, subsequent_indent="    ") + "\n")
        body = printable(f"{a.mentions} posts by {a.authors} people on {', '.join(a.sources)}: " + "; ".join(a.reasons))
        out.write(textwrap.fill(body, width=width, initial_indent="    ", subsequent_indent="    ") + "\n")
    for row in lead_times(result.alerts, markers):
        lead = float(row["lead_hours"])  # type: ignore[arg-type]
        when = "before" if lead >= 0 else "after"
        out.write(printable(f"{row['incident']}: {row['tier']} reached {abs(lead):.1f} h {when} marker "
                            f"'{row['marker']}'") + "\n")
    out.write(f"{result.observations} observations, {result.mentions} mentions, {result.incidents} incidents, "
              f"{len(result.alerts)} alerts" + (f", {result.skipped_lines} malformed lines skipped"
                                                if result.skipped_lines else "") + "\n")


def stderr_console() -> Console:
    return Console(file=sys.stderr)


def why_nothing(result: ReplayResult, config: Config) -> str | None:
    """When a replay found no mention in its observations, the likely reason, in words."""
    if result.mentions or not result.observations:
        return None
    if not config.brands:
        return (f"no mention in {result.observations} observation(s): no brand is configured, and observations "
                "without a \"brand\" field match no brand; give --brand NAME or a --config with [[brands]]")
    names = ", ".join(b.name for b in config.brands)
    return f"no mention in {result.observations} observation(s): none matched the keywords of {names}"
