"""Presentation of ``monitor replay``: inputs, progress, table, JSON, report, markers, --send."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
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
from rich.table import Table
from rich.text import Text

from monitor.durations import format_timestamp, parse_timestamp
from monitor.errors import InputError
from monitor.models import AlertEvent
from monitor.replay import ReplayResult


def parse_markers(values: Iterable[str]) -> list[tuple[str, datetime]]:
    markers = []
    for v in values:
        name, sep, ts = v.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--marker {v!r}: expected NAME=TIMESTAMP, e.g. tv=2024-05-02T18:00:00Z")
        try:
            markers.append((name.strip(), parse_timestamp(ts)))
        except ValueError as exc:
            raise InputError(f"--marker {v!r}: {exc}") from None
    return markers


def lead_times(alerts: list[AlertEvent], markers: list[tuple[str, datetime]]) -> list[dict[str, object]]:
    """Per marker and incident: how long before the marker each tier was first reached."""
    rows: list[dict[str, object]] = []
    first: dict[tuple[str, str], datetime] = {}
    for a in alerts:
        first.setdefault((a.incident, a.tier.name), a.at)
    for name, at in markers:
        for (incident, tier), when in sorted(first.items(), key=lambda kv: (kv[1], kv[0])):
            rows.append({"marker": name, "incident": incident, "tier": tier, "at": when,
                         "lead_hours": round((at - when).total_seconds() / 3600.0, 1)})
    return rows


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


def count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def print_table(result: ReplayResult, markers: list[tuple[str, datetime]], out: IO[str]) -> None:
    console = Console(file=out, highlight=False, soft_wrap=False, width=max(120, Console(file=out).width))
    table = Table(title="Alert timeline (replay)", show_lines=False)
    for col in ("at", "tier", "brand", "incident", "score", "mentions", "authors", "sources", "reasons"):
        table.add_column(col, overflow="fold")
    for a in result.alerts:
        table.add_row(format_timestamp(a.at), a.tier.name, a.brand, a.incident, f"{a.score:.2f}", str(a.mentions),
                      str(a.authors), ", ".join(a.sources), "; ".join(a.reasons))
    console.print(table)
    for row in lead_times(result.alerts, markers):
        lead = float(row["lead_hours"])  # type: ignore[arg-type]
        when = "before" if lead >= 0 else "after"
        console.print(f"{row['incident']}: {row['tier']} reached {abs(lead):.1f} h {when} marker '{row['marker']}'")
    console.print(f"{result.observations} observations, {result.mentions} mentions, {result.incidents} incidents, "
                  f"{len(result.alerts)} alerts" + (f", {result.skipped_lines} malformed lines skipped"
                                                    if result.skipped_lines else ""))


def stderr_console() -> Console:
    return Console(file=sys.stderr)
