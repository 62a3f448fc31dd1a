"""The storage side of ``monitor.interfaces.Store``: the queries of the alert stages and the buttons."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from monitor.models import IncidentStatus, Silence
from monitor.storage import actions
from monitor.storage import schema as s
from monitor.storage.sql import insert_ignoring_duplicates


class AlertQueries:
    """Mixed into ``monitor.storage.store.Store``."""

    def begin(self) -> AbstractContextManager[Connection]:  # pragma: no cover - Store's
        raise NotImplementedError

    def alert_context(self, incident: str, at: datetime) -> tuple[list[Silence], IncidentStatus]:
        t = s.silences
        with self.begin() as conn:
            rows = conn.execute(select(t).where(t.c.starts_at <= at, t.c.ends_at > at)).all()
            status = actions.statuses_in(conn, [incident]).get(incident, IncidentStatus())
        return [stored_silence(r) for r in rows], status

    def silences(self, at: datetime, *, ended: bool = False) -> list[Silence]:
        """The stored silences active at ``at`` or starting later, in order of their end (``ended``: all)."""
        t = s.silences
        q = select(t).order_by(t.c.ends_at, t.c.id)
        if not ended:
            q = q.where(t.c.ends_at > at)
        with self.begin() as conn:
            return [stored_silence(r) for r in conn.execute(q)]

    def end_silence(self, ident: int, at: datetime) -> Silence | None:
        """End a stored silence at ``at`` (kept, as history); None when there is no such silence."""
        t = s.silences
        with self.begin() as conn:
            row = conn.execute(select(t).where(t.c.id == ident)).first()
            if row is None:
                return None
            if row.ends_at > at:
                conn.execute(update(t).where(t.c.id == ident).values(ends_at=max(at, row.starts_at)))
        return stored_silence(row)

    def add_silence(self, matcher: dict[str, str], *, starts: datetime, ends: datetime,
                    created_by: str | None, comment: str) -> int:
        with self.begin() as conn:
            done = conn.execute(insert(s.silences).values(matcher=matcher, starts_at=starts, ends_at=ends,
                                                          created_by=created_by, comment=comment))
            key = done.inserted_primary_key
        assert key is not None
        return int(key[0])

    def incident_status(self, incident: str) -> IncidentStatus:
        with self.begin() as conn:
            return actions.statuses_in(conn, [incident]).get(incident, IncidentStatus())

    def record_action(self, incident: str, action: str, at: datetime, *, until: datetime | None = None,
                      user: str | None = None, detail: dict[str, Any] | None = None) -> None:
        actions.record_action(self, incident, action, at, until=until, user=user, detail=detail)

    def channel_state(self, incident: str, channel: str) -> dict[str, Any]:
        c = s.channel_state
        with self.begin() as conn:
            r = conn.execute(select(c.c.state).where(c.c.incident_id == incident, c.c.channel == channel)).first()
        return dict(r[0]) if r else {}

    def incident_labels(self, since: datetime | None) -> list[tuple[str, str, datetime, str | None, str | None]]:
        a, i = s.incident_actions, s.incidents
        q = (select(a.c.incident_id, a.c.action, a.c.at, a.c.user, i.c.brand)
             .select_from(a.outerjoin(i, i.c.id == a.c.incident_id))
             .where(a.c.action.in_(("acknowledge", "not_complaint"))).order_by(a.c.at, a.c.id))
        if since is not None:
            q = q.where(a.c.at >= since)
        with self.begin() as conn:
            return [(r.incident_id, r.action, r.at, r.user, r.brand) for r in conn.execute(q)]

    def reminders_due(self, due: datetime) -> list[Any]:
        o, i = s.outbox, s.incidents
        last = (select(o.c.incident_id, func.max(o.c.id).label("last_id"), func.max(o.c.created_at).label("last_at"))
                .group_by(o.c.incident_id).subquery())
        q = (select(i.c.id, i.c.tier, i.c.alerted_tier, i.c.score, i.c.mentions, i.c.authors, i.c.state, o.c.event,
                    last.c.last_id)
             .join(last, last.c.incident_id == i.c.id).join(o, o.c.id == last.c.last_id)
             .where(last.c.last_at <= due, i.c.last_seen > last.c.last_at, i.c.alerted_tier > 0,
                    i.c.tier >= i.c.alerted_tier))
        with self.begin() as conn:
            return list(conn.execute(q).all())

    def queue_alerts(self, rows: list[dict[str, Any]]) -> int:
        with self.begin() as conn:
            return insert_ignoring_duplicates(conn, s.outbox, rows)


def stored_silence(r: Any) -> Silence:
    m = r.matcher or {}
    return Silence(brand=m.get("brand"), author=m.get("author"), keyword=m.get("keyword"), starts=r.starts_at,
                   ends=r.ends_at, comment=r.comment or "", critical=bool(m.get("critical")), ident=r.id,
                   created_by=r.created_by)
