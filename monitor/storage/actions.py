"""What people did with an incident: acknowledge, snooze, "not a complaint" (the ``incident_actions`` table).

One place writes and reads these rows, whoever acted: the Slack buttons (alerts/buttons.py) and the
``monitor ack / snooze / feedback`` commands store the same action names the same way, and the router,
``monitor incidents`` and the incident pages read them back through ``incident_status`` / ``statuses``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from monitor.models import IncidentStatus
from monitor.storage import schema as s
from monitor.storage.sql import Transactional

__all__ = ["ACTIONS", "IncidentStatus", "actions_of", "incident_status", "record_action", "statuses", "statuses_in"]

ACTIONS = ("acknowledge", "snooze", "not_complaint")
CHUNK = 500  # ids per IN (...) query


def record_action(store: Transactional, incident: str, action: str, at: datetime, *, until: datetime | None = None,
                  user: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Store one action; ``until`` is the end of a snooze."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    with store.begin() as conn:
        conn.execute(insert(s.incident_actions).values(incident_id=incident, action=action, at=at, until=until,
                                                       user=user, detail=detail))


def _fold(rows: Iterable[Any]) -> IncidentStatus:
    """The status after these actions, oldest first: the latest snooze counts, an ack or a label stays."""
    acked = nc = False
    until: datetime | None = None
    for action, row_until in rows:
        acked = acked or action == "acknowledge"
        nc = nc or action == "not_complaint"
        if action == "snooze":
            until = row_until
    return IncidentStatus(acked, until, nc)


def incident_status(store: Transactional, incident: str) -> IncidentStatus:
    return statuses(store, [incident]).get(incident, IncidentStatus())


def statuses(store: Transactional, incidents: Sequence[str]) -> dict[str, IncidentStatus]:
    """The status of each of ``incidents`` that has any action (the others have none)."""
    with store.begin() as conn:
        return statuses_in(conn, incidents)


def statuses_in(conn: Connection, incidents: Sequence[str]) -> dict[str, IncidentStatus]:
    """``statuses``, in a transaction already open."""
    a = s.incident_actions
    rows: dict[str, list[tuple[str, datetime | None]]] = {}
    for i in range(0, len(incidents), CHUNK):
        q = (select(a.c.incident_id, a.c.action, a.c.until).where(a.c.incident_id.in_(incidents[i:i + CHUNK]))
             .order_by(a.c.at, a.c.id))
        for r in conn.execute(q):
            rows.setdefault(r.incident_id, []).append((r.action, r.until))
    return {inc: _fold(acts) for inc, acts in rows.items()}


def actions_of(store: Transactional, incident: str) -> list[dict[str, Any]]:
    """Every action on one incident, oldest first, as stored."""
    a = s.incident_actions
    with store.begin() as conn:
        rows = conn.execute(select(a.c.action, a.c.at, a.c.until, a.c.user, a.c.detail)
                            .where(a.c.incident_id == incident).order_by(a.c.at, a.c.id)).all()
    return [{"action": r.action, "at": r.at, "until": r.until, "user": r.user, "detail": dict(r.detail or {})}
            for r in rows]
