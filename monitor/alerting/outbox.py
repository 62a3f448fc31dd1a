"""Delivery of stored alerts: oldest first, per channel in order, retried with backoff.

Guarantee: at-least-once. An alert row is committed (with the decision that made it) before any send,
marked *in flight* just before the send and *sent* just after, each in its own transaction. So:

- a crash before the send delivers the alert after restart (the row is still pending);
- a crash between the channel accepting and the mark can repeat that one alert, never lose it. The
  retry (like any retry: a timeout hides a success as well) is flagged to the channel as uncertain
  (``state[UNCERTAIN]``), so that a channel able to look (Slack, through message metadata) finds what
  it already posted instead of posting it again.

Per channel, nothing overtakes an alert that waits for a retry: a failure blocks that channel until
the alert's ``next_attempt_at`` (``retry_after`` when the channel was told, else exponential backoff up
to five minutes), while the other channels go on. A permanent failure (bad token, unknown channel)
marks that alert failed, is logged once per channel and error, and is not retried; ``requeue_failed``
(``monitor requeue``) puts such alerts back once the config is fixed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from monitor.errors import ChannelError
from monitor.events import event_from_dict
from monitor.interfaces import UNCERTAIN, Channel, Clock
from monitor.logs import redact
from monitor.models import Tier
from monitor.retry import backoff
from monitor.storage import schema as s
from monitor.storage.sql import upsert
from monitor.storage.store import Store, exclusive

log = logging.getLogger("monitor.outbox")

MAX_BACKOFF = 300.0
IN_FLIGHT = "in flight: if the process stopped here, the channel may have received it"
DELIVERED = "_delivered_tier"
"""Kept in a channel's state per incident: the highest tier that channel has been sent. An alert of a
lower tier arriving after it (the decisions of two jobs crossing) is not sent: a message never goes
back from CRITICAL to WATCH."""


def requeue_failed(store: Store, channel: str | None = None) -> int:
    """Put permanently failed alerts back in line (after fixing a token, say); returns how many."""
    o = s.outbox
    q = update(o).where(o.c.failed_at.is_not(None), o.c.sent_at.is_(None))
    if channel is not None:
        q = q.where(o.c.channel == channel)
    with store.begin() as conn:
        return int(conn.execute(q.values(failed_at=None, next_attempt_at=None, last_error=None)).rowcount)


class Deliverer:
    def __init__(self, store: Store, channels: Mapping[str, Channel], clock: Clock):
        self.store, self.channels, self.clock = store, channels, clock
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        # Set when the daemon stops: a pass under way ends after the send in progress, and what it
        # had not sent yet waits in the outbox for the next start.
        self.stopping = threading.Event()

    def deliver(self) -> tuple[int, int]:
        """Send what is due; returns (sent, failed attempts). A channel that fails waits its turn.

        One delivery at a time per process: the poll jobs and the delivery job all call this, and two
        concurrent passes would each open a Slack thread for the same incident. The same holds across
        processes on one PostgreSQL (replicas, or ``poll-once`` next to a daemon): a pass waits for the
        other's to end, then sends what is left.
        """
        with self._lock, exclusive(self.store, "deliver"):
            return self._deliver()

    def _deliver(self) -> tuple[int, int]:
        o = s.outbox
        now = self.clock()
        blocked: set[str] = set()
        sent = failed = 0
        with self.store.begin() as conn:
            rows = conn.execute(select(o).where(o.c.sent_at.is_(None), o.c.failed_at.is_(None))
                                .order_by(o.c.id)).all()
        for row in rows:
            if self.stopping.is_set():
                break
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
            delivered = Tier.parse(state.get(DELIVERED, "none"))
            if event.tier < delivered:
                self._superseded(row, delivered)
                continue
            if row.attempts:  # tried before: a crash or a timeout may have hidden a success
                state[UNCERTAIN] = True
            with self.store.begin() as conn:
                # Claim the row: if another deliverer (a thread, later a replica) took it, leave it.
                claimed = conn.execute(update(o).where(o.c.id == row.id, o.c.attempts == row.attempts,
                                                       o.c.sent_at.is_(None))
                                       .values(attempts=row.attempts + 1, last_error=IN_FLIGHT)).rowcount
            if claimed != 1:
                blocked.add(row.channel)
                continue
            try:
                new_state = channel.send(event, state)
            except ChannelError as exc:
                failed += 1
                blocked.add(row.channel)
                self._failed(row, exc, now)
                continue
            except Exception as exc:  # noqa: BLE001 - a channel's bug must not stop the others
                log.exception("alert channel raised an unexpected error", extra={"channel": row.channel})
                failed += 1
                blocked.add(row.channel)
                self._failed(row, ChannelError(f"{type(exc).__name__}: {exc}"), now)
                continue
            with self.store.begin() as conn:
                conn.execute(update(o).where(o.c.id == row.id).values(sent_at=self.clock(), last_error=None))
                kept = {k: v for k, v in new_state.items() if k != UNCERTAIN}
                kept[DELIVERED] = max(delivered, event.tier).name
                self._save_state(conn, row.incident_id, row.channel, kept)
            sent += 1
        return sent, failed

    def _failed(self, row: Any, exc: ChannelError, now: datetime) -> None:
        o = s.outbox
        attempts = row.attempts + 1
        error = redact(str(exc))
        values: dict[str, Any] = {"last_error": error[:500]}
        if exc.permanent:
            values["failed_at"] = now
            key = (row.channel, error)
            level = logging.ERROR if key not in self._reported else logging.DEBUG
            self._reported.add(key)
            log.log(level, "alert delivery failed permanently; not retried",
                    extra={"channel": row.channel, "error": error, "incident": row.incident_id})
        else:
            delay = exc.retry_after if exc.retry_after is not None else backoff(attempts, base=5.0, cap=MAX_BACKOFF)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            log.warning("alert delivery will be retried",
                        extra={"channel": row.channel, "error": error, "retry_in": delay, "attempts": attempts})
        with self.store.begin() as conn:
            conn.execute(update(o).where(o.c.id == row.id).values(**values))

    def _superseded(self, row: Any, delivered: Tier) -> None:
        log.warning("alert not sent: a higher tier was already delivered",
                    extra={"channel": row.channel, "incident": row.incident_id, "delivered": delivered.name})
        with self.store.begin() as conn:
            conn.execute(update(s.outbox).where(s.outbox.c.id == row.id, s.outbox.c.sent_at.is_(None))
                         .values(failed_at=self.clock(), last_error=f"superseded: {delivered.name} already delivered"))

    def _state(self, incident: str, channel: str) -> dict[str, Any]:
        c = s.channel_state
        with self.store.begin() as conn:
            r = conn.execute(select(c.c.state).where(c.c.incident_id == incident, c.c.channel == channel)).first()
        return dict(r[0]) if r else {}

    @staticmethod
    def _save_state(conn: Any, incident: str, channel: str, state: dict[str, Any]) -> None:
        upsert(conn, s.channel_state, {"incident_id": incident, "channel": channel}, {"state": state})
