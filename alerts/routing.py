"""Routing and noise control, in Alertmanager's words: route, group, silence, snooze, repeat interval.

The pipeline asks ``Router(event)`` which channels an alert goes to; an empty list mutes it. In order:

1. *silences* (``[[alerts.silences]]`` and the ``silences`` table): all their given matchers (brand,
   author, keyword) must match; an author or keyword matches when every key post of the incident has
   it, so a silence never hides an incident that other people are driving. Silences mute every tier.
2. *buttons* (``incident_actions``): a snoozed incident or one marked "not a complaint" stays quiet
   unless it turns critical; an acknowledged one gets no reminders, only escalations.
3. *routes* (``[[alerts.routes]]``): the first route whose brands, sources and min_tier match decides
   (``continue = true`` lets later routes add channels); an alert no route matches goes to
   ``default_channels`` (default: every configured channel). No routes: everything goes everywhere.
4. *quiet hours*: inside them only critical alerts reach the channels they cover.

*Group* is one incident: one Slack message and its thread. *Repeat interval*: ``queue_reminders``
re-sends the alert of an incident that is still growing without climbing and that nobody acknowledged.
Muted alerts are dropped, not delayed (logged with the reason); an incident alerts again when it climbs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from alerts.buttons import incident_status
from monitor.config.alerting import AlertsConfig, QuietHoursConfig
from monitor.config.durations import format_timestamp
from monitor.events import event_from_dict, event_to_dict
from monitor.interfaces import Clock
from monitor.models import AlertEvent, Tier
from monitor.storage import schema as s
from monitor.storage.store import Store, insert_ignoring_duplicates

log = logging.getLogger("alerts.routing")


@dataclass(frozen=True)
class Silence:
    brand: str | None = None
    author: str | None = None
    keyword: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    comment: str = ""

    def active(self, at: datetime) -> bool:
        return (self.starts is None or self.starts <= at) and (self.ends is None or at < self.ends)

    def matches(self, event: AlertEvent) -> bool:
        posts = event.top_posts
        if self.brand and self.brand.casefold() != event.brand.casefold():
            return False
        if self.author:
            who = self.author.lstrip("@").casefold()
            if not posts or any(str(p.get("author") or "").lstrip("@").casefold() != who for p in posts):
                return False
        if self.keyword:
            word = self.keyword.casefold()
            if not posts or any(word not in str(p.get("text") or "").casefold() for p in posts):
                return False
        return True


def add_silence(store: Store, *, ends: datetime, starts: datetime, brand: str | None = None,
                author: str | None = None, keyword: str | None = None, created_by: str | None = None,
                comment: str = "") -> int:
    matcher = {k: v for k, v in (("brand", brand), ("author", author), ("keyword", keyword)) if v}
    if not matcher:
        raise ValueError("a silence needs at least one of brand, author, keyword")
    with store.begin() as conn:
        done = conn.execute(insert(s.silences).values(matcher=matcher, starts_at=starts, ends_at=ends,
                                                      created_by=created_by, comment=comment))
        key = done.inserted_primary_key
    assert key is not None
    return int(key[0])


def stored_silences(store: Store, at: datetime) -> list[Silence]:
    t = s.silences
    with store.begin() as conn:
        rows = conn.execute(select(t).where(t.c.starts_at <= at, t.c.ends_at > at)).all()
    return [Silence(r.matcher.get("brand"), r.matcher.get("author"), r.matcher.get("keyword"), r.starts_at,
                    r.ends_at, r.comment or "") for r in rows]


def in_quiet_hours(q: QuietHoursConfig, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(q.timezone)).time()
    start, end = time.fromisoformat(q.start), time.fromisoformat(q.end)
    return start <= local < end if start <= end else (local >= start or local < end)


class Router:
    """``router(event) -> channel names``; time is the event's own (so replay decides as live did)."""

    def __init__(self, config: AlertsConfig, channels: Sequence[str], store: Store | None = None):
        self.config, self.channels, self.store = config, tuple(channels), store
        self.silences = [Silence(c.brand, c.author, c.keyword, c.starts, c.ends, c.comment) for c in config.silences]

    def __call__(self, event: AlertEvent) -> list[str]:
        return self.decide(event)

    def decide(self, event: AlertEvent, *, quiet: bool = False) -> list[str]:
        """The channels for ``event``; ``quiet`` keeps the log silent about muting (reminder scans)."""
        reason = self.muted(event)
        if reason:
            if not quiet:
                log.info("alert muted", extra={"incident": event.incident, "tier": event.tier.name, "reason": reason})
            return []
        chosen = self.route(event)
        q = self.config.quiet_hours
        if q is not None and event.tier < Tier.critical and in_quiet_hours(q, event.at):
            held = [c for c in chosen if not q.channels or c in q.channels]
            if held and not quiet:
                log.info("alert muted in quiet hours", extra={"incident": event.incident, "channels": held})
            chosen = [c for c in chosen if c not in held]
        return chosen

    def muted(self, event: AlertEvent) -> str | None:
        if event.test:
            return None
        stored = stored_silences(self.store, event.at) if self.store is not None else []
        for silence in [*self.silences, *stored]:
            if silence.active(event.at) and silence.matches(event):
                return f"silenced ({silence.comment or 'no comment'})"
        if self.store is None:
            return None
        st = incident_status(self.store, event.incident)
        below_critical = event.tier < Tier.critical
        if st.not_complaint and below_critical:
            return "marked not a complaint"
        if st.snoozed_until is not None and event.at < st.snoozed_until and below_critical:
            return f"snoozed until {format_timestamp(st.snoozed_until)}"
        if st.acknowledged and event.tier <= event.previous_tier:
            return "acknowledged: only escalations are sent"
        return None

    def route(self, event: AlertEvent) -> list[str]:
        chosen: list[str] = []
        matched = False
        for r in self.config.routes:
            if r.brands and event.brand.casefold() not in {b.casefold() for b in r.brands}:
                continue
            if r.sources and not set(r.sources) & set(event.sources):
                continue
            if event.tier < Tier.parse(r.min_tier or self.config.min_tier):
                continue
            matched = True
            chosen += r.channels
            if not r.continue_:
                break
        if not matched:
            defaults = self.config.default_channels
            chosen = list(self.channels if defaults is None else defaults)
        return [c for c in dict.fromkeys(chosen) if c in self.channels]


def queue_reminders(store: Store, router: Router, clock: Clock, repeat_interval: float) -> int:
    """Repeat interval: re-alert incidents still growing at their tier, unacknowledged, after a quiet spell.

    An incident qualifies when its last alert is ``repeat_interval`` old and it has seen activity since;
    the reminder (``tier == previous_tier``) goes through the router, so acknowledged, snoozed and
    silenced incidents get none. Returns the number of outbox rows written.
    """
    now = clock()
    due = now - timedelta(seconds=repeat_interval)
    o, i = s.outbox, s.incidents
    last = (select(o.c.incident_id, func.max(o.c.id).label("last_id"), func.max(o.c.created_at).label("last_at"))
            .group_by(o.c.incident_id).subquery())
    q = (select(i.c.id, i.c.tier, i.c.alerted_tier, i.c.score, i.c.mentions, i.c.authors, i.c.state, o.c.event,
                last.c.last_id)
         .join(last, last.c.incident_id == i.c.id).join(o, o.c.id == last.c.last_id)
         .where(last.c.last_at <= due, i.c.last_seen > last.c.last_at, i.c.alerted_tier > 0,
                i.c.tier >= i.c.alerted_tier))
    rows: list[dict[str, Any]] = []
    with store.begin() as conn:
        for r in conn.execute(q).all():
            tier = Tier(r.alerted_tier)
            st = r.state or {}
            event = replace(event_from_dict(r.event), tier=tier, previous_tier=tier, at=now, score=float(r.score),
                            mentions=int(r.mentions), authors=int(r.authors),
                            reasons=tuple(st.get("reasons") or ()),
                            top_posts=tuple(dict(t) for t in st.get("top") or ()) or event_from_dict(r.event).top_posts)
            payload = event_to_dict(event)
            for channel in router.decide(event, quiet=True):
                # One reminder per alert it follows: two jobs queueing reminders at once queue one.
                rows.append(dict(dedup_key=f"{r.id}:remind:{r.last_id}:{channel}"[:200],
                                 incident_id=r.id, channel=channel, created_at=now, event=payload, attempts=0))
        queued = insert_ignoring_duplicates(conn, o, rows)
    return queued
