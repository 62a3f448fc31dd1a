"""Delivery of stored alerts: oldest first, per channel in order, retried with backoff.

Guarantee: at-least-once. An alert row is committed before any send and marked sent after; a crash
between a successful send and the mark can repeat that one alert on restart, never lose it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from monitor import schema as s
from monitor.errors import ChannelError
from monitor.events import event_from_dict
from monitor.interfaces import Channel, Clock
from monitor.store import Store

log = logging.getLogger("monitor.outbox")

MAX_BACKOFF = 300.0


class Deliverer:
    def __init__(self, store: Store, channels: Mapping[str, Channel], clock: Clock):
        self.store, self.channels, self.clock = store, channels, clock

    def pending(self) -> int:
        o = s.outbox
        with self.store.begin() as conn:
            return len(conn.execute(select(o.c.id).where(o.c.sent_at.is_(None), o.c.failed_at.is_(None))).all())

    def deliver(self) -> tuple[int, int]:
        """Send what is due; returns (sent, failed attempts). A channel that fails waits its turn."""
        o = s.outbox
        now = self.clock()
        blocked: set[str] = set()
        sent = failed = 0
        with self.store.begin() as conn:
            rows = conn.execute(select(o).where(o.c.sent_at.is_(None), o.c.failed_at.is_(None))
                                .order_by(o.c.id)).all()
        for row in rows:
            if row.channel in blocked:
                continue
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                blocked.add(row.channel)  # keep the order: nothing later overtakes a waiting alert
                continue
            channel = self.channels.get(row.channel)
            if channel is None:
                continue
            event = event_from_dict(row.event)
            state = self._state(row.incident_id, row.channel)
            try:
                new_state = channel.send(event, state)
            except ChannelError as exc:
                failed += 1
                blocked.add(row.channel)
                self._failed(row, exc, now)
                continue
            with self.store.begin() as conn:
                conn.execute(update(o).where(o.c.id == row.id).values(sent_at=self.clock(), attempts=row.attempts + 1,
                                                                      last_error=None))
                self._save_state(conn, row.incident_id, row.channel, new_state)
            sent += 1
        return sent, failed

    def _failed(self, row: Any, exc: ChannelError, now: Any) -> None:
        o = s.outbox
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": str(exc)[:500]}
        if exc.permanent:
            values["failed_at"] = now
            log.error("alert delivery failed permanently", extra={"channel": row.channel, "error": str(exc)})
        else:
            delay = exc.retry_after if exc.retry_after is not None else min(MAX_BACKOFF, 5.0 * 2 ** min(attempts, 10))
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            log.warning("alert delivery will be retried",
                        extra={"channel": row.channel, "error": str(exc), "retry_in": delay})
        with self.store.begin() as conn:
            conn.execute(update(o).where(o.c.id == row.id).values(**values))

    def _state(self, incident: str, channel: str) -> dict[str, Any]:
        c = s.channel_state
        with self.store.begin() as conn:
            r = conn.execute(select(c.c.state).where(c.c.incident_id == incident, c.c.channel == channel)).first()
        return dict(r[0]) if r else {}

    @staticmethod
    def _save_state(conn: Any, incident: str, channel: str, state: dict[str, Any]) -> None:
        c = s.channel_state
        done = conn.execute(update(c).where(c.c.incident_id == incident, c.c.channel == channel).values(state=state))
        if done.rowcount == 0:
            conn.execute(insert(c).values(incident_id=incident, channel=channel, state=state))
