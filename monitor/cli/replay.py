"""Presentation of ``monitor replay``: inputs, progress, table, JSON, report, markers, --send."""

from __future__ import annotations

import contextlib
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
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
from sqlalchemy import select

from monitor.alerting.outbox import Deliverer
from monitor.config.durations import format_timestamp, parse_timestamp
from monitor.config.settings import Config
from monitor.errors import InputError
from monitor.interfaces import Clock
from monitor.models import Observation
from monitor.replay.run import ReplayResult, lead_times
from monitor.sanitize import printable
from monitor.storage import schema as s
from monitor.storage.store import Store


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


class Sender:
    """``replay --send``: the daemon's channels, router (routes, silences, quiet hours) and delivery with
    its retries, over the replay's scratch database. The console channel writes to stderr: stdout
    carries only the requested format. ``undelivered`` says what could not be sent in ``timeout``."""

    def __init__(self, config: Config, *, timeout: float, clock: Clock | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        from monitor.daemon.app import build_channels, utc_now

        self.config, self.timeout, self.clock, self.sleep = config, timeout, clock or utc_now, sleep
        # A channel that writes to the terminal writes to stderr: stdout carries only the --format output.
        self.channels = {name: ch.with_stream(sys.stderr) if hasattr(ch, "with_stream") else ch
                         for name, ch in build_channels(config).items()}
        self.undelivered: list[str] = []
        self._deliverer: Deliverer | None = None

    def deliverer(self, store: Store) -> Deliverer:
        if self._deliverer is None or self._deliverer.store is not store:
            self._deliverer = Deliverer(store, self.channels, self.clock)
        return self._deliverer

    def after_batch(self, store: Store) -> None:
        self.deliverer(store).deliver()

    def finish(self, store: Store) -> None:
        """Deliver what is left, retrying as the daemon would until ``timeout``; note what is not sent."""
        deliverer = self.deliverer(store)
        deadline = self.clock() + timedelta(seconds=self.timeout)
        while True:
            deliverer.deliver()
            waits = _first_waiting(store, set(self.channels))
            if not waits:
                break
            now = self.clock()
            wake = min(w or now for w in waits)
            if wake > deadline or now >= deadline:
                break
            # A short floor: a row that is due but was not taken must not spin this loop.
            self.sleep(max(0.05, (wake - now).total_seconds()))
        self.undelivered = _undelivered(store, set(self.channels))


def _first_waiting(store: Store, channels: set[str]) -> list[datetime | None]:
    """Per channel, when its oldest unsent alert may be tried again (None: now): the rest waits behind it."""
    o = s.outbox
    with store.begin() as conn:
        rows = conn.execute(select(o.c.channel, o.c.next_attempt_at)
                            .where(o.c.sent_at.is_(None), o.c.failed_at.is_(None)).order_by(o.c.id)).all()
    first: dict[str, datetime | None] = {}
    for channel, at in rows:
        if channel in channels:
            first.setdefault(channel, at if at is None or at.tzinfo else at.replace(tzinfo=UTC))
    return list(first.values())


def _undelivered(store: Store, channels: set[str]) -> list[str]:
    o = s.outbox
    with store.begin() as conn:
        rows = conn.execute(select(o.c.channel, o.c.incident_id, o.c.event, o.c.failed_at, o.c.last_error)
                            .where(o.c.sent_at.is_(None)).order_by(o.c.id)).all()
    return [f"{r.channel}: incident {r.incident_id} {r.event.get('tier', '?')}: "
            f"{'failed' if r.failed_at else 'still retrying'} ({printable(r.last_error or 'not tried')})"
            for r in rows if r.channel in channels]


def only_brand(config: Config, name: str) -> Config:
    """``replay --brand NAME``: replay that brand only; its config entry, or its name as the keyword."""
    from monitor.config.settings import BrandConfig

    known = [b for b in config.brands if b.name.casefold() == name.casefold()]
    return config.model_copy(update={"brands": known or [BrandConfig(name=name, keywords=[name])]})


def of_brand(observations: Iterable[Observation], name: str) -> Iterator[Observation]:
    """Observations not assigned to another brand (an export's ``brand`` field assigns them)."""
    folded = name.casefold()
    return (o for o in observations if o.brand is None or o.brand.casefold() == folded)


def why_nothing(result: ReplayResult, config: Config) -> str | None:
    """When a replay found no mention in its observations, the likely reason, in words."""
    if result.mentions or not result.observations:
        return None
    if not config.brands:
        return (f"no mention in {result.observations} observation(s): no brand is configured, and observations "
                "without a \"brand\" field match no brand; give --brand NAME or a --config with [[brands]]")
    names = ", ".join(b.name for b in config.brands)
    return f"no mention in {result.observations} observation(s): none matched the keywords of {names}"
