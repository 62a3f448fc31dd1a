"""Writing a batch back: one multi-row statement per table (``monitor.storage.bulk``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from monitor.config.settings import ScoringConfig
from monitor.incidents.assessment import assess
from monitor.incidents.state import Incident
from monitor.storage import schema as s
from monitor.storage.bulk import insert_rows, update_rows
from monitor.storage.sql import insert_ignoring_duplicates, upsert

if TYPE_CHECKING:
    from monitor.pipeline.batch import Batch


def flush(batch: Batch) -> None:
    """Write everything the batch changed, in its transaction."""
    c = batch.conn
    cache = batch.p.cache
    if cache is None or not cache.write_back:  # else written when they leave the cache
        write_mentions(c, batch.new_mentions, list(batch.changed.values()))
    insert_rows(c, s.observations, batch.snapshots)
    _flush_keys(batch)
    if cache is None or not cache.write_back:  # else when they leave the cache, or by ``finish``
        write_incidents(c, [batch.incidents[i] for i in sorted(batch.touched)], batch.cfg)
    # An alert already queued (same incident, tier and channel) is not queued twice.
    insert_ignoring_duplicates(c, s.outbox, batch.outbox)
    batch.days.write()
    for brand, pulse in sorted(batch.pulses.items()):
        upsert(c, s.brand_pulse, {"brand": brand}, {"state": pulse.to_json()})


def _flush_keys(batch: Batch) -> None:
    fresh: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    keys = batch.grouping.keys
    for bk in sorted(batch.grouping.dirty):
        slot = keys[bk]
        (known if slot.stored else fresh).append({"brand": bk[0], "key": bk[1], "incident_id": slot.incident,
                                                  "last_seen": slot.last_seen})
        slot.stored = True
    insert_rows(batch.conn, s.incident_keys, fresh)
    update_rows(batch.conn, s.incident_keys, ("brand", "key"), known)


def write_mentions(conn: Connection, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    insert_rows(conn, s.mentions, new)
    update_rows(conn, s.mentions, ("source", "post_id"),
                [{"source": r["source"], "post_id": r["post_id"], "metrics": r["metrics"], "engagement": r["engagement"],
                  "text": r["text"], "last_observed_at": r["last_observed_at"]} for r in changed])


def write_incidents(conn: Connection, incidents: Iterable[Incident], cfg: ScoringConfig) -> None:
    new: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    for inc in incidents:
        st = inc.state
        if inc.assessed is not None and inc.alerted_tier:  # reminders repeat the latest reasons
            st["reasons"] = list(assess(st, *inc.assessed, cfg).reasons)
        inc.assessed = None
        values = dict(brand=inc.brand, first_seen=inc.first_seen,
                      last_seen=_from_epoch(st.get("last_seen"), inc.first_seen),
                      tier=st.get("tier", 0), alerted_tier=inc.alerted_tier, score=st.get("score", 0.0),
                      mentions=st["mentions"], authors=st["n_authors"],
                      brand_replied_at=_from_epoch(st.get("brand_replied_at"), None), state=st)
        (new if inc.new else old).append({"id": inc.id, **values})
        inc.new = False
    insert_rows(conn, s.incidents, new)
    update_rows(conn, s.incidents, ("id",), old)


def _from_epoch(value: float | None, default: datetime | None) -> datetime | None:
    return default if value is None else datetime.fromtimestamp(value, timezone.utc)
