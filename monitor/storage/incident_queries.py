"""The read-only queries behind the incident views that must not grow with an incident or a database.

An incident can hold 100,000 posts and a month 50,000 incidents; a page shows 200 posts and 50 rows.
Each function here reads only what is shown: the top posts and a page of incidents are chosen by the
database (``ORDER BY ... LIMIT``), counts and the hourly chart are ``GROUP BY`` results, the repeat
complainants' other complaints are the latest few per person (a window function). SQLite and
PostgreSQL alike; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from monitor.models import Tier
from monitor.storage import schema as s

CHUNK = 500  # values per IN (...)


def post_columns() -> tuple[Any, ...]:
    """The columns of a mention that the views show (``history.post_rows`` reads them)."""
    m = s.mentions
    return (m.c.source, m.c.post_id, m.c.created_at, m.c.text, m.c.url, m.c.author_handle, m.c.author_id,
            m.c.engagement, m.c.score, m.c.cues, m.c.kind, m.c.is_complaint, m.c.by_brand, m.c.lang,
            m.c.incident_id)


# incidents ----------------------------------------------------------------------------------------

def _incident_filter(since: datetime, brand: str | None, min_tier: Tier) -> ColumnElement[bool]:
    i = s.incidents
    cond = and_(i.c.last_seen >= since, i.c.tier >= int(min_tier))
    return and_(cond, i.c.brand == brand) if brand is not None else cond


def incident_order(open_since: datetime) -> tuple[Any, ...]:
    """Open first (seen since ``open_since``), then by tier, score and last activity; the id breaks ties."""
    i = s.incidents
    closed = case((i.c.last_seen >= open_since, 0), else_=1)
    return closed, i.c.tier.desc(), i.c.score.desc(), i.c.last_seen.desc(), i.c.id


def incident_rows(conn: Connection, *, since: datetime, open_since: datetime, brand: str | None,
                  min_tier: Tier, limit: int | None = None, offset: int = 0) -> list[Any]:
    """The incidents rows matching, in ``incident_order``, ``limit`` of them from ``offset``.

    The order and the page are chosen on the ids alone, so the database sorts small rows; only the
    page's rows are then read whole (their state is JSON of several kilobytes)."""
    i = s.incidents
    ids_q = select(i.c.id).where(_incident_filter(since, brand, min_tier)).order_by(*incident_order(open_since))
    if limit is not None:
        ids_q = ids_q.limit(limit).offset(offset)
    ids = [r[0] for r in conn.execute(ids_q)]
    rows: dict[str, Any] = {}
    for k in range(0, len(ids), CHUNK):
        for r in conn.execute(select(i).where(i.c.id.in_(ids[k:k + CHUNK]))):
            rows[r.id] = r
    return [rows[x] for x in ids if x in rows]


def incident_count(conn: Connection, *, since: datetime, brand: str | None, min_tier: Tier) -> int:
    i = s.incidents
    return int(conn.execute(select(func.count()).select_from(i).where(_incident_filter(since, brand, min_tier)))
               .scalar_one())


# one incident's posts -----------------------------------------------------------------------------

def _hour(conn: Connection, column: Any) -> Any:
    """``column``'s hour as text, ``2024-03-01T12:00Z`` (``history.hourly_counts``'s keys); UTC is stored naive."""
    if conn.dialect.name == "postgresql":
        return func.to_char(column, 'YYYY-MM-DD"T"HH24:00"Z"')
    return func.strftime("%Y-%m-%dT%H:00Z", column)


def hourly_and_counts(conn: Connection, incident: str) -> tuple[dict[str, dict[str, int]], int, int]:
    """The story's mentions per hour by source (the hourly chart), its posts and the brand's answers:
    one grouped scan, whatever the incident's size."""
    m = s.mentions
    hour = _hour(conn, m.c.created_at).label("hour")
    q = (select(hour, m.c.source, m.c.by_brand, func.count().label("n")).where(m.c.incident_id == incident)
         .group_by(hour, m.c.source, m.c.by_brand))
    hourly: dict[str, dict[str, int]] = {}
    posts = answers = 0
    for r in conn.execute(q):
        if r.by_brand:
            answers += int(r.n)
            continue
        posts += int(r.n)
        per = hourly.setdefault(str(r.hour), {})
        per[r.source] = per.get(r.source, 0) + int(r.n)
    return dict(sorted(hourly.items())), posts, answers


def top_posts(conn: Connection, incident: str, limit: int) -> list[Any]:
    """The ``limit`` posts of the story that weigh most (score, then engagement, then the earliest), in
    time order: the database keeps the top ``limit`` while it scans, the rest is never read here."""
    m = s.mentions
    q = (select(*post_columns()).where(m.c.incident_id == incident, m.c.by_brand.is_(False))
         .order_by(func.coalesce(m.c.score, 0.0).desc(), m.c.engagement.desc(), m.c.created_at, m.c.source,
                   m.c.post_id)
         .limit(limit))
    return sorted(conn.execute(q).all(), key=lambda r: (r.created_at, r.source, r.post_id))


def answers(conn: Connection, incident: str, limit: int) -> list[Any]:
    """The brand's first ``limit`` answers in the story, in time order."""
    m = s.mentions
    q = (select(*post_columns()).where(m.c.incident_id == incident, m.c.by_brand.is_(True))
         .order_by(m.c.created_at, m.c.source, m.c.post_id).limit(limit))
    return list(conn.execute(q))


# repeat complainants ------------------------------------------------------------------------------

def _author() -> Any:
    """Who a post is by, as the views name them (handle, else id): ``history.post_rows``'s ``author``."""
    m = s.mentions
    return func.coalesce(func.nullif(m.c.author_handle, ""), m.c.author_id)


def _elsewhere(brand: str, incident: str, authors: Sequence[str]) -> ColumnElement[bool]:
    """Complaints about ``brand`` by ``authors`` outside ``incident`` (in no incident, or another)."""
    m = s.mentions
    return and_(m.c.brand == brand, m.c.is_complaint.is_(True), _author().in_(authors),
                or_(m.c.incident_id.is_(None), m.c.incident_id != incident))


def complaints_elsewhere(conn: Connection, brand: str, incident: str, authors: Sequence[str]) -> dict[str, int]:
    """How many complaints each of ``authors`` made about ``brand`` outside ``incident``."""
    author = _author().label("author")
    out: dict[str, int] = {}
    for k in range(0, len(authors), CHUNK):
        q = (select(author, func.count().label("n")).where(_elsewhere(brand, incident, authors[k:k + CHUNK]))
             .group_by(author))
        out.update({str(r.author): int(r.n) for r in conn.execute(q)})
    return out


def latest_complaints_elsewhere(conn: Connection, brand: str, incident: str, authors: Sequence[str],
                                per_author: int) -> dict[str, list[Any]]:
    """Each author's latest ``per_author`` complaints outside ``incident``, in time order."""
    m = s.mentions
    author = _author()
    out: dict[str, list[Any]] = {}
    for k in range(0, len(authors), CHUNK):
        rank = func.row_number().over(partition_by=author, order_by=(m.c.created_at.desc(), m.c.post_id.desc()))
        inner = (select(*post_columns(), author.label("who"), rank.label("rank"))
                 .where(_elsewhere(brand, incident, authors[k:k + CHUNK])).subquery())
        q = (select(*(inner.c[c.name] for c in post_columns()), inner.c.who).where(inner.c.rank <= per_author)
             .order_by(inner.c.who, inner.c.created_at, inner.c.post_id))
        for r in conn.execute(q):
            out.setdefault(str(r.who), []).append(r)
    return out

