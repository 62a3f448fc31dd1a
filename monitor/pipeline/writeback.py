"""Writing a batch back: one multi-row statement per table (``monitor.storage.bulk``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection

from monitor.config.settings import ScoringConfig
from monitor.incidents.assessment import assess
from monitor.incidents.grouping import Grouping
from monitor.incidents.pulse import Pulse
from monitor.incidents.state import Incident
from monitor.pipeline.days import Days
from monitor.storage import schema as s
from monitor.storage.bulk import insert_rows, update_rows
from monitor.storage.sql import insert_ignoring_duplicates, upsert


@dataclass(frozen=True)
class Changes:
    """What one batch changed in memory, for ``flush`` to write in the batch's transaction."""

    new_mentions: list[dict[str, Any]]
    changed_mentions: list[dict[str, Any]]
    snapshots: list[dict[str, Any]]  # ``observations`` rows
    grouping: Grouping  # its key slots, and which of them the batch changed
    incidents: list[Incident]  # those the batch touched, by id (none asked for when the cache writes back)
    outbox: list[dict[str, Any]]
    days: Days
    pulses: dict[str, Pulse]


def flush(conn: Connection, changes: Changes, *, write_back: bool, cfg: ScoringConfig) -> None:
    """Write everything the batch changed, in its transaction. With ``write_back`` the mentions and
    incidents are left to the cache, written when they leave it (or by ``Pipeline.finish``)."""
    if not write_back:
        write_mentions(conn, changes.new_mentions, changes.changed_mentions)
    insert_rows(conn, s.observations, changes.snapshots)
    _flush_keys(conn, changes.grouping)
    if not write_back:
        write_incidents(conn, changes.incidents, cfg)
    # An alert already queued (same incident, tier and channel) is not queued twice.
    insert_ignoring_duplicates(conn, s.outbox, changes.outbox)
    changes.days.write()
    for brand, pulse in sorted(changes.pulses.items()):
        upsert(conn, s.brand_pulse, {"brand": brand}, {"state": pulse.to_json()})


def _flush_keys(conn: Connection, grouping: Grouping) -> None:
    fresh: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    keys = grouping.keys
    for bk in sorted(grouping.dirty):
        slot = keys[bk]
        (known if slot.stored else fresh).append({"brand": bk[0], "key": bk[1], "incident_id": slot.incident,
                                                  "last_seen": slot.last_seen})
        slot.stored = True
    insert_rows(conn, s.incident_keys, fresh)
    update_rows(conn, s.incident_keys, ("brand", "key"), known)


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
