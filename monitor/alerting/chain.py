"""The notification path, one chain of small stages (as Alertmanager's notify pipeline):

1. **inhibit / silence** (``Router.muted``): ``[[alerts.silences]]`` and the stored silences
   (``monitor silence``) mute an alert when all their given matchers (brand, author, keyword) match;
   an author or keyword matches when every key post of the incident has it, so a silence never hides
   an incident that other people are driving, and a keyword matches whole words; a critical alert is
   muted only by a silence that says so. What people did inhibits too: a snoozed incident, or one
   marked "not a complaint", stays quiet unless it turns critical; an acknowledged one gets no
   reminders, only escalations. (Before this stage the pipeline alerts an incident only when it
   climbs above the tier it last alerted; after it, a channel is never sent a lower tier than it was.)
2. **route** (``Router.route``): the first ``[[alerts.routes]]`` whose brands, sources and min_tier
   match decides (``continue = true`` lets later routes add channels); an alert no route matches goes
   to ``default_channels`` (default: every configured channel). No routes: everything, everywhere.
3. **quiet hours** (``Router.decide``): inside them only critical alerts reach the channels they cover.
4. **group and repeat**: a group is one incident (one Slack message and its thread; ``outbox_rows``
   keys each alert by incident, tier and channel, so it is queued once); ``queue_reminders`` re-sends
   the alert of an incident still growing without climbing after ``repeat_interval``, through the
   same router, so acknowledged, snoozed and silenced incidents get none.
5. **outbox** (``outbox_rows``): the alert rows, committed with the decision that made them.
6. **channel** (``monitor.alerting.outbox.Deliverer``): oldest first, per channel in order, retried.

Muted alerts are dropped, not delayed (logged with the reason); an incident alerts again when it
climbs. Time is the event's own, so a replay decides as the daemon did. Storage is reached through
``monitor.interfaces.Store``; the router reads it once per alert.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config.durations import format_timestamp
from monitor.config.routing import AlertsConfig, QuietHoursConfig
from monitor.events import event_from_dict, event_to_dict
from monitor.interfaces import Clock, Store
from monitor.models import MIN_KEYWORD, AlertEvent, Silence, Tier

log = logging.getLogger("monitor.alerting.chain")

__all__ = ["Router", "Silence", "add_silence", "in_quiet_hours", "outbox_rows", "queue_reminders"]


class Router:
    """Stages 1 to 3: ``router(event) -> channel names`` (an empty list mutes it)."""

    def __init__(self, config: AlertsConfig, channels: Sequence[str], store: Store | None = None):
        self.config, self.channels, self.store = config, tuple(channels), store
        self.silences: list[Silence] = list(config.silences)

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
        """Stage 1: why the alert is muted (a silence, or what people did with the incident), if it is."""
        if event.test:
            return None
        stored, st = self.store.alert_context(event.incident, event.at) if self.store is not None else ([], None)
        for silence in [*self.silences, *stored]:
            if silence.active(event.at) and silence.matches(event):
                return f"silenced ({silence.comment or 'no comment'})"
        if st is None:
            return None
        below_critical = event.tier < Tier.critical
        if st.not_complaint and below_critical:
            return "marked not a complaint"
        if st.snoozed_until is not None and event.at < st.snoozed_until and below_critical:
            return f"snoozed until {format_timestamp(st.snoozed_until)}"
        if st.acknowledged and event.tier <= event.previous_tier:
            return "acknowledged: only escalations are sent"
        return None

    def route(self, event: AlertEvent) -> list[str]:
        """Stage 2: the channels the routes give the alert."""
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


def in_quiet_hours(q: QuietHoursConfig, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(q.timezone)).time()
    start, end = time.fromisoformat(q.start), time.fromisoformat(q.end)
    return start <= local < end if start <= end else (local >= start or local < end)


def add_silence(store: Store, *, ends: datetime, starts: datetime, brand: str | None = None,
                author: str | None = None, keyword: str | None = None, created_by: str | None = None,
                comment: str = "", critical: bool = False) -> int:
    """Store a silence for stage 1 (``monitor silence``); returns its id."""
    matcher: dict[str, Any] = {k: v for k, v in (("brand", brand), ("author", author), ("keyword", keyword)) if v}
    if not matcher:
        raise ValueError("a silence needs at least one of brand, author, keyword")
    if keyword is not None and len(keyword.strip()) < MIN_KEYWORD:
        raise ValueError(f"a keyword needs at least {MIN_KEYWORD} characters (it matches whole words)")
    if critical:
        matcher["critical"] = True
    return store.add_silence(matcher, starts=starts, ends=ends, created_by=created_by, comment=comment)


def outbox_rows(event: AlertEvent, channels: Sequence[str], *, dedup: str | None = None) -> list[dict[str, Any]]:
    """Stage 5: one outbox row per channel. One alert per incident, tier and channel (``dedup`` names
    another group, a reminder's): an alert already queued is not queued twice."""
    payload = event_to_dict(event)
    group = dedup or f"{event.incident}:{event.tier.name}"
    return [dict(dedup_key=f"{group}:{channel}"[:200], incident_id=event.incident, channel=channel,
                 created_at=event.at, event=payload, attempts=0) for channel in channels]


def queue_reminders(store: Store, router: Router, clock: Clock, repeat_interval: float) -> int:
    """Stage 4, repeat: re-alert incidents still growing at their tier, unacknowledged, after a quiet spell.

    An incident qualifies when its last alert is ``repeat_interval`` old and it has seen activity since;
    the reminder (``tier == previous_tier``) goes through the router, so acknowledged, snoozed and
    silenced incidents get none. Returns the number of outbox rows written.
    """
    now = clock()
    rows: list[dict[str, Any]] = []
    for r in store.reminders_due(now - timedelta(seconds=repeat_interval)):
        tier = Tier(r.alerted_tier)
        st = r.state or {}
        event = replace(event_from_dict(r.event), tier=tier, previous_tier=tier, at=now, score=float(r.score),
                        mentions=int(r.mentions), authors=int(r.authors),
                        reasons=tuple(st.get("reasons") or ()),
                        top_posts=tuple(dict(t) for t in st.get("top") or ()) or event_from_dict(r.event).top_posts)
        # One reminder per alert it follows: two jobs queueing reminders at once queue one.
        rows += outbox_rows(event, router.decide(event, quiet=True), dedup=f"{r.id}:remind:{r.last_id}")
    return store.queue_alerts(rows)
