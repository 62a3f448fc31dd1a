"""``monitor replay --send``: the daemon's channels and delivery over the replay's scratch database."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.alerting.outbox import Deliverer
from monitor.config.settings import Config
from monitor.interfaces import Clock
from monitor.sanitize import printable
from monitor.storage import schema as s
from monitor.storage.store import Store


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
