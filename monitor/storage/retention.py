"""Retention: keep the database from growing without bound (``[retention]``).

Observation snapshots are the bulk and are kept ``retention.observations`` (30 days by default). The
incident history (incidents, their mentions, score over time, alerts sent, channel state, actions
taken, the keys that join posts into incidents, daily brand volumes, ended silences) is kept ``retention.incidents`` (a
year by default). Alerts still waiting in the outbox are never removed.

Rows go in small transactions of at most ``retention.batch`` rows, each a range of ids (or of primary
keys) found through an index, so that neither SQLite nor PostgreSQL locks a table for long and the
pollers keep writing meanwhile. Running it twice does nothing more; a crash half-way loses nothing
that was meant to stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, select, tuple_

from monitor.config.settings import RetentionConfig
from monitor.interfaces import Clock
from monitor.storage import schema as s
from monitor.storage.store import Store

log = logging.getLogger("monitor.retention")


@dataclass
class PruneResult:
    deleted: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def add(self, table: str, n: int) -> None:
        self.deleted[table] = self.deleted.get(table, 0) + n

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def prune(store: Store, cfg: RetentionConfig, clock: Clock,
          on_delete: Callable[[str, int], None] | None = None) -> PruneResult:
    """Delete what is older than the configured ages; returns how many rows went, per table."""
    now = clock()
    result = PruneResult()
    if cfg.observations > 0:
        cutoff = now - timedelta(seconds=cfg.observations)
        o = s.observations
        _by_id(store, o, o.c.observed_at < cutoff, cfg.batch, result)
    if cfg.incidents > 0:
        cutoff = now - timedelta(seconds=cfg.incidents)
        _history(store, cutoff, cfg.batch, result)
    if on_delete is not None:
        for table, n in result.deleted.items():
            on_delete(table, n)
    if result.total:
        log.info("retention", extra={"deleted": result.deleted, "batches": result.batches})
    return result


def _history(store: Store, cutoff: datetime, batch: int, result: PruneResult) -> None:
    i, o, a, sil = s.incidents, s.outbox, s.incident_actions, s.silences
    # Children first, so that an interrupted run never leaves an alert or action without its incident.
    old_incidents = select(i.c.id).where(i.c.last_seen < cutoff).scalar_subquery()
    _by_id(store, o, and_(o.c.created_at < cutoff, o.c.incident_id.in_(old_incidents),
                          (o.c.sent_at.is_not(None)) | (o.c.failed_at.is_not(None))), batch, result)
    _by_id(store, a, and_(a.c.at < cutoff, a.c.incident_id.in_(old_incidents)), batch, result)
    sc = s.incident_scores
    _by_id(store, sc, and_(sc.c.at < cutoff, sc.c.incident_id.in_(old_incidents)), batch, result)
    _by_id(store, sil, sil.c.ends_at < cutoff, batch, result)
    c = s.channel_state
    _by_key(store, c, (c.c.incident_id, c.c.channel), c.c.incident_id.in_(old_incidents), batch, result)
    m = s.mentions
    _by_key(store, m, (m.c.source, m.c.post_id), m.c.last_observed_at < cutoff, batch, result)
    k = s.incident_keys
    _by_key(store, k, (k.c.brand, k.c.key), k.c.last_seen < cutoff, batch, result)
    pending = select(o.c.incident_id).where(o.c.sent_at.is_(None), o.c.failed_at.is_(None))
    _by_key(store, i, (i.c.id,), and_(i.c.last_seen < cutoff, i.c.id.not_in(pending)), batch, result)
    d = s.brand_days
    _by_key(store, d, (d.c.brand, d.c.day), d.c.day < cutoff.strftime("%Y-%m-%d"), batch, result)


def _by_id(store: Store, table: Table, where: ColumnElement[bool], batch: int, result: PruneResult) -> None:
    """Delete matching rows of a table with an integer ``id``, one id range per transaction."""
    ident = table.c.id
    after = None
    while True:
        q = select(ident).where(where).order_by(ident).limit(batch)
        if after is not None:
            q = q.where(ident > after)
        with store.begin() as conn:
            ids = [r[0] for r in conn.execute(q)]
            if not ids:
                return
            # The range is re-checked against ``where``: a row that became recent meanwhile stays.
            n = conn.execute(delete(table).where(ident >= ids[0], ident <= ids[-1], where)).rowcount
        result.add(table.name, int(n or 0))
        result.batches += 1
        after = ids[-1]
        if len(ids) < batch:
            return


def _by_key(store: Store, table: Table, key: tuple[Any, ...], where: ColumnElement[bool], batch: int,
            result: PruneResult) -> None:
    """Delete matching rows of a table with a (composite) primary key, ``batch`` keys per transaction."""
    cols = list(key)
    while True:
        with store.begin() as conn:
            rows = [tuple(r) for r in conn.execute(select(*cols).where(where).order_by(*cols).limit(batch))]
            if not rows:
                return
            if len(cols) == 1:
                match: ColumnElement[bool] = cols[0].in_([r[0] for r in rows])
            else:
                match = tuple_(*cols).in_(rows)
            n = conn.execute(delete(table).where(match, where)).rowcount
        result.add(table.name, int(n or 0))
        result.batches += 1
        if len(rows) < batch:
            return
