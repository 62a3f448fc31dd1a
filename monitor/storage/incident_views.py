"""An incident's whole history, assembled from what is stored, as plain data.

``monitor incidents`` / ``monitor incident ID``, the incident pages and the replay report all read
incidents through here, so each fact is worked out once:

- the incident row and its state: tier, score, counts, sources, the latest reasons, repeat counts;
- ``incident_scores``: the score and tier over time (the score chart), ``mentions``: the posts, the
  brand's answers and the mentions per hour by source (the hourly chart);
- ``observations``: each post's engagement over time (its snapshots, while retention keeps them);
- ``outbox`` and ``channel_state``: every alert with the reasons it was sent for, where it went and
  whether it arrived; ``incident_actions``: who acknowledged, snoozed or labelled it, and when.

An incident is *open* while it has been seen within the scoring window (``[scoring] window``), as the
``monitor_incidents`` gauge counts them.

What grows with an incident or with the database is read bounded, by the database
(monitor/storage/incident_queries.py): the posts and answers shown, the repeat complainants shown, a
page of incidents; the rest is counted, never loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from monitor.config.durations import format_timestamp
from monitor.models import METRIC_NAMES, Metrics, Tier
from monitor.storage import incident_queries
from monitor.storage import schema as s
from monitor.storage.actions import IncidentStatus, actions_of, statuses_in
from monitor.storage.store import Store

MAX_POSTS = 200  # posts of one incident shown in full; the rest are counted
MAX_EARLIER = 20  # earlier complaints shown per repeat complainant
MAX_SNAPSHOTS = 12  # engagement points shown per post
MAX_REPEATERS = 50  # repeat complainants shown (the most repeated); the rest are counted
CHUNK = 500
CONTRACT_KEYS = ("incident", "brand", "tier", "score", "mentions", "authors", "sources", "first_seen", "last_seen",
                 "acknowledged", "snoozed_until")


class NoSuchIncident(LookupError):
    pass


def _summary(r: Any, status: IncidentStatus, now: datetime, window: float) -> dict[str, Any]:
    st = r.state or {}
    snoozed = status.snoozed_until if status.snoozed_until is not None and status.snoozed_until > now else None
    return {"incident": r.id, "brand": r.brand, "tier": Tier(r.tier).name, "score": round(float(r.score), 4),
            "mentions": int(r.mentions), "authors": int(r.authors), "sources": list(st.get("sources") or []),
            "first_seen": r.first_seen, "last_seen": r.last_seen, "acknowledged": status.acknowledged,
            "snoozed_until": snoozed, "not_complaint": status.not_complaint,
            "open": r.last_seen >= now - timedelta(seconds=window), "alerted_tier": Tier(r.alerted_tier).name}


def contract_incident(summary: dict[str, Any]) -> dict[str, Any]:
    """The object of ``monitor incidents --format json`` (CONTRACT.md): exactly those keys."""
    return {k: (format_timestamp(v) if isinstance(v, datetime) else v) for k, v in summary.items() if k in CONTRACT_KEYS}


def list_incidents(store: Store, now: datetime, window: float, *, since: datetime | None = None,
                   brand: str | None = None, min_tier: Tier = Tier.watch, limit: int | None = None,
                   offset: int = 0) -> list[dict[str, Any]]:
    """Incidents seen since ``since`` (default: the open ones) at ``min_tier`` or above: open first,
    then by tier, score and last activity; ``limit`` of them from ``offset`` (a page), or all. The
    database sorts and cuts the page (monitor/storage/incident_queries.py): a page of 50 reads 50 rows."""
    open_since = now - timedelta(seconds=window)
    with store.begin() as conn:
        rows = incident_queries.incident_rows(conn, since=since if since is not None else open_since, open_since=open_since,
                                     brand=brand, min_tier=min_tier, limit=limit, offset=offset)
        status = statuses_in(conn, [r.id for r in rows])
    return [_summary(r, status.get(r.id, IncidentStatus()), now, window) for r in rows]


def count_incidents(store: Store, now: datetime, window: float, *, since: datetime | None = None,
                    brand: str | None = None, min_tier: Tier = Tier.watch) -> int:
    """How many incidents ``list_incidents`` would list without a limit (the pages' page count)."""
    with store.begin() as conn:
        return incident_queries.incident_count(conn, since=since if since is not None else now - timedelta(seconds=window),
                                      brand=brand, min_tier=min_tier)


def resolve(store: Store, ident: str) -> str:
    """An incident's id from the id itself or an unambiguous beginning of it (``inc-3b3e``, ``3b3e``)."""
    ident = ident.strip()
    i = s.incidents
    with store.begin() as conn:
        if ident and conn.execute(select(i.c.id).where(i.c.id == ident)).first():
            return ident
        found: list[str] = []
        for prefix in {ident, f"inc-{ident}"} if len(ident) >= 4 else ():
            found += [r[0] for r in conn.execute(select(i.c.id).where(i.c.id.startswith(prefix, autoescape=True))
                                                 .limit(5))]
    found = sorted(set(found))
    if len(found) == 1:
        return found[0]
    if found:
        raise NoSuchIncident(f"{ident!r} matches several incidents ({', '.join(found)}): give more of the id")
    raise NoSuchIncident(f"no incident {ident!r} in the database (see `monitor incidents`)")


def incident_history(store: Store, incident: str, now: datetime, window: float, *,
                     max_posts: int = MAX_POSTS, max_repeaters: int = MAX_REPEATERS) -> dict[str, Any]:
    """Everything stored about one incident (see the module's docstring); raises ``NoSuchIncident``.

    What grows with the incident is read bounded, whatever its size: the ``max_posts`` posts that weigh
    most (score, then engagement) and as many of the brand's answers, the others counted
    (``more_posts``, ``more_answers``); the hourly chart as counts per hour; the ``max_repeaters``
    most repeated complainants (``more_repeaters``)."""
    i = s.incidents
    with store.begin() as conn:
        r = conn.execute(select(i).where(i.c.id == incident)).first()
        if r is None:
            raise NoSuchIncident(f"no incident {incident!r} in the database (see `monitor incidents`)")
        hourly, n_posts, n_answers = incident_queries.hourly_and_counts(conn, incident)
        shown = post_rows(incident_queries.top_posts(conn, incident, max_posts))
        answers = post_rows(incident_queries.answers(conn, incident, max_posts))
        points = score_points(conn, incident)
        deliveries = _deliveries(conn, incident)
        where = _channel_states(conn, incident)
        status = statuses_in(conn, [incident]).get(incident, IncidentStatus())
    actions = actions_of(store, incident)
    st = dict(r.state or {})
    summary = _summary(r, status, now, window)
    summary["brand_replied_at"] = r.brand_replied_at
    if not points:  # recorded before scores were kept: its alerts and where it stands now
        alerted = {(d["created_at"], float(d["event"].get("score") or 0.0), int(Tier[d["event"]["tier"]]))
                   for d in deliveries if d["event"].get("tier") in Tier.__members__}
        points = sorted(alerted | {(r.last_seen, float(r.score), int(r.tier))})
    with store.begin() as conn:
        _engagement_over_time(conn, [*shown, *answers])
        repeaters, more_repeaters = _repeaters(conn, r.brand, incident, st, max_repeaters)
    return {
        "incident": summary,
        "reasons": list(st.get("reasons") or []),
        "cues": dict(st.get("cues") or {}),
        "timeline": timeline(r, deliveries, actions, answers, answer_count=n_answers),
        "points": points,
        "hourly": hourly,
        "posts": shown,
        "more_posts": n_posts - len(shown),
        "answers": answers,
        "more_answers": n_answers - len(answers),
        "repeaters": repeaters,
        "more_repeaters": more_repeaters,
        "deliveries": deliveries,
        "channels": where,
    }


def post_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Mention rows as the posts the CLI, the pages and the report show."""
    return [{"source": r.source, "id": r.post_id, "at": r.created_at, "text": r.text, "url": r.url,
             "author": r.author_handle or r.author_id, "engagement": int(r.engagement or 0), "score": r.score,
             "cues": list(r.cues or []), "kind": r.kind, "is_complaint": bool(r.is_complaint), "by_brand": bool(r.by_brand),
             "lang": r.lang, "incident": r.incident_id, "snapshots": []} for r in rows]


def _post_query() -> Any:
    return select(*incident_queries.post_columns())


def posts_of(conn: Connection, incidents: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The posts of several incidents (one query per chunk), each list in time order."""
    m = s.mentions
    out: dict[str, list[dict[str, Any]]] = {}
    for k in range(0, len(incidents), CHUNK):
        q = _post_query().where(m.c.incident_id.in_(incidents[k:k + CHUNK])).order_by(m.c.created_at, m.c.post_id)
        for p in post_rows(conn.execute(q)):
            out.setdefault(p["incident"], []).append(p)
    return out


def hourly_counts(posts: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Mentions per hour (``2024-03-01T12:00Z``) by source: the hourly chart's data."""
    hourly: dict[str, dict[str, int]] = {}
    for p in posts:
        if p.get("by_brand"):
            continue
        per = hourly.setdefault(p["at"].strftime("%Y-%m-%dT%H:00Z"), {})
        per[p["source"]] = per.get(p["source"], 0) + 1
    return hourly


def _engagement_over_time(conn: Connection, posts: list[dict[str, Any]]) -> None:
    """Each post's stored snapshots as (observed at, engagement), thinned to ``MAX_SNAPSHOTS`` points."""
    o = s.observations
    by_source: dict[str, dict[str, dict[str, Any]]] = {}
    for p in posts:
        by_source.setdefault(p["source"], {})[p["id"]] = p
    for source, wanted in by_source.items():
        ids = sorted(wanted)
        for k in range(0, len(ids), CHUNK):
            q = (select(o.c.post_id, o.c.observed_at, o.c.payload)
                 .where(o.c.source == source, o.c.post_id.in_(ids[k:k + CHUNK])).order_by(o.c.observed_at, o.c.id))
            for r in conn.execute(q):
                metrics = (r.payload or {}).get("metrics") or {}
                value = Metrics(**{n: metrics.get(n) for n in METRIC_NAMES}).engagement()
                snaps = wanted[r.post_id]["snapshots"]
                if not snaps or snaps[-1][1] != value:  # a change, not every identical re-read
                    snaps.append((r.observed_at, value))
    for p in posts:
        snaps = p["snapshots"]
        if len(snaps) > MAX_SNAPSHOTS:  # the first, the last, and evenly spaced ones between
            step = (len(snaps) - 1) / (MAX_SNAPSHOTS - 1)
            p["snapshots"] = [snaps[round(n * step)] for n in range(MAX_SNAPSHOTS)]


def score_points(conn: Connection, incident: str) -> list[tuple[datetime, float, int]]:
    """The incident's score and tier over time, as the daemon recorded them (``incident_scores``)."""
    t = s.incident_scores
    rows = conn.execute(select(t.c.at, t.c.score, t.c.tier).where(t.c.incident_id == incident).order_by(t.c.at)).all()
    return [(r.at, float(r.score), int(r.tier)) for r in rows]


def _deliveries(conn: Connection, incident: str) -> list[dict[str, Any]]:
    o = s.outbox
    rows = conn.execute(select(o).where(o.c.incident_id == incident).order_by(o.c.id)).all()
    out = []
    for r in rows:
        ev = r.event or {}
        status = ("sent" if r.sent_at else "failed" if r.failed_at else
                  "retrying" if r.attempts else "waiting")
        out.append({"channel": r.channel, "created_at": r.created_at, "status": status, "sent_at": r.sent_at,
                    "failed_at": r.failed_at, "attempts": int(r.attempts), "error": r.last_error if status != "sent" else None,
                    "event": ev})
    return out


def _channel_states(conn: Connection, incident: str) -> dict[str, dict[str, Any]]:
    """Where each channel put the incident (Slack: the channel and the message's ts); nothing secret is kept there."""
    c = s.channel_state
    rows = conn.execute(select(c.c.channel, c.c.state).where(c.c.incident_id == incident).order_by(c.c.channel))
    return {r.channel: {k: v for k, v in dict(r.state or {}).items() if k in ("channel", "ts", "tier", "posted", "link")}
            for r in rows}


def timeline(r: Any, deliveries: list[dict[str, Any]], actions: list[dict[str, Any]],
             answers: list[dict[str, Any]], *, answer_count: int | None = None) -> list[dict[str, Any]]:
    """Tier decisions with their reasons (one per alert, with every channel it went to), people's
    actions and the brand's first answer, in time order. ``answers`` in time order; ``answer_count``:
    all of them when only the first few were read."""
    entries: list[dict[str, Any]] = [{"kind": "opened", "at": r.first_seen, "text": "first post"}]
    alerts: dict[tuple[Any, ...], dict[str, Any]] = {}
    for d in deliveries:
        ev = d["event"]
        key = (ev.get("at"), ev.get("tier"), ev.get("previous_tier"))
        entry = alerts.get(key)
        if entry is None:
            entry = alerts[key] = alert_entry(ev, d["created_at"])
        entry["sent"].append({k: d[k] for k in ("channel", "status", "sent_at", "failed_at", "attempts", "error")})
    entries += alerts.values()
    for a in actions:
        detail = a["detail"]
        entries.append({"kind": "action", "at": a["at"], "action": a["action"], "until": a["until"],
                        "by": detail.get("user_name") or a["user"] or "someone", "via": detail.get("via") or "a button"})
    if answers:
        first = answers[0]
        entries.append({"kind": "answer", "at": first["at"],
                        "text": f"the brand answered ({answer_count or len(answers)} post(s))",
                        "author": first["author"], "source": first["source"]})
    order = {"opened": 0, "alert": 1, "reminder": 1, "answer": 2, "action": 3}
    entries.sort(key=lambda e: (e["at"], order[e["kind"]]))
    return entries


def alert_entry(ev: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A timeline entry from an alert event as stored (``monitor.events.event_to_dict``); ``sent`` lists
    where it went."""
    reminder = ev.get("tier") == ev.get("previous_tier")
    return {"kind": "reminder" if reminder else "alert", "at": at, "tier": ev.get("tier"),
            "previous_tier": ev.get("previous_tier", "none"), "score": float(ev.get("score") or 0.0),
            "mentions": ev.get("mentions"), "authors": ev.get("authors"), "reasons": list(ev.get("reasons") or []),
            "sources": list(ev.get("sources") or []), "top_posts": list(ev.get("top_posts") or []), "sent": []}


def _repeaters(conn: Connection, brand: str, incident: str, st: dict[str, Any],
               limit: int) -> tuple[list[dict[str, Any]], int]:
    """Authors who complained more than once: their episodes here (the incident's own count) and their
    complaints about the brand outside this incident, with the incidents those belong to; the ``limit``
    most repeated, and how many more there are. Only the shown authors' latest complaints are read."""
    episodes: dict[str, int] = {a: int(n) for a, n in (st.get("author_complaints") or {}).items()}
    authors = sorted(episodes)
    if not authors:
        return [], 0
    elsewhere = incident_queries.complaints_elsewhere(conn, brand, incident, authors)
    ranked = sorted((a for a in authors if episodes[a] >= 2 or elsewhere.get(a)),
                    key=lambda a: (-(episodes[a] + elsewhere.get(a, 0)), a))
    shown = ranked[:limit]
    earlier = incident_queries.latest_complaints_elsewhere(conn, brand, incident, shown, MAX_EARLIER)
    return [{"author": a, "episodes": episodes[a], "elsewhere": elsewhere.get(a, 0),
             "earlier": post_rows(earlier.get(a, []))} for a in shown], len(ranked) - len(shown)
