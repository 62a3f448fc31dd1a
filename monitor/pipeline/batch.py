"""The work of one transaction: a batch of observations, one after the other, in memory.

Following one observation: ``Batch.run`` matches its brand; ``prefetch`` reads what it touches;
``Batch.one`` stores a new post (``new_mention``: scored, grouped by ``monitor.incidents.grouping``,
folded into its incident's state by ``monitor.incidents.state``) or follows a known post's
engagement; ``decide`` assesses its incident (``monitor.incidents.assessment``) and queues an alert;
``writeback.flush`` writes it all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from monitor.alerting.chain import outbox_rows
from monitor.incidents.assessment import assess
from monitor.incidents.coefficients import K
from monitor.incidents.grouping import Grouping, Pending
from monitor.incidents.pulse import Pulse
from monitor.incidents.state import (
    Incident,
    MentionFacts,
    add_engagement,
    add_mention,
    checkpoint,
    count_review_words,
    follow_post,
    topic_words,
)
from monitor.jsonl import observation_to_dict
from monitor.models import LOW_STARS, METRIC_NAMES, AlertEvent, MentionScore, Observation, Tier
from monitor.pipeline.days import Days
from monitor.pipeline.prefetch import incident_from_row, prefetch
from monitor.pipeline.writeback import Changes, flush
from monitor.sanitize import clean_observation
from monitor.scoring.rating import rated
from monitor.storage import schema as s
from monitor.storage.store import lock_brands
from monitor.textsig import urls

if TYPE_CHECKING:
    from monitor.pipeline.core import BatchStats, Pipeline

TOPIC_AUTHORS = 5  # up to this many people in a story, its complainants' topic words are kept


def against_brand(complaint: bool, sc: MentionScore) -> bool:
    """A post against the brand: a complaint, a negative post, or a threat to leave or boycott that
    does not read positive ("never buying anything else again!" does)."""
    if complaint or sc.sentiment <= K.negative:
        return True
    return sc.sentiment < K.positive and ("churn" in sc.cues or "boycott" in sc.cues)


class Batch:
    """The work of one transaction."""

    def __init__(self, p: Pipeline, conn: Connection, stats: BatchStats):
        self.p, self.conn, self.stats = p, conn, stats
        self.cfg = p.config.scoring
        self.mentions: dict[tuple[str, str], dict[str, Any]] = {}
        self.new_mentions: list[dict[str, Any]] = []
        self.new_keys: set[tuple[str, str]] = set()
        self.changed: dict[tuple[str, str], dict[str, Any]] = {}
        self.snapshots: list[dict[str, Any]] = []
        self.grouping = Grouping(timedelta(seconds=self.cfg.window), timedelta(seconds=self.cfg.repeat_window))
        self.incidents: dict[str, Incident] = {}
        self.touched: set[str] = set()  # incidents this batch changed
        self.outbox: list[dict[str, Any]] = []
        self.days = Days(conn)
        self.pulses: dict[str, Pulse] = {}  # the batch's brands' recent traffic (monitor/incidents/pulse.py)

    def run(self, observations: Iterable[Observation]) -> None:
        pending: list[Pending] = []
        for raw in observations:
            self.stats.observations += 1
            obs = clean_observation(raw)
            brand = self.p.matcher.match(obs) or self._brand_by_link(obs)
            if brand is None:
                self.stats.unmatched += 1
                continue
            pending.append(Pending(obs, brand, tuple(p for p in {obs.in_reply_to, obs.conversation_id} if p)))
        if not pending:
            return
        # One writer per brand: from here to the commit no other batch (another job's thread, another
        # replica) reads or writes these brands' incidents, so none of its decisions is overwritten.
        lock_brands(self.conn, {item.brand for item in pending})
        prefetch(self.conn, pending, cache=self.p.cache, signer=self.p.signer, brand_words=self.p.brand_words,
                 mentions=self.mentions, keys=self.grouping.keys, incidents=self.incidents, pulses=self.pulses)
        for item in pending:
            self.one(item)
        cache = self.p.cache
        write_back = cache is not None and cache.write_back
        flush(self.conn, Changes(
            new_mentions=self.new_mentions, changed_mentions=list(self.changed.values()), snapshots=self.snapshots,
            grouping=self.grouping, incidents=[] if write_back else [self.incidents[i] for i in sorted(self.touched)],
            outbox=self.outbox, days=self.days, pulses=self.pulses), write_back=write_back, cfg=self.cfg)

    def _brand_by_link(self, obs: Observation) -> str | None:
        """An article that links a post we hold is about that post's brand, named or not."""
        if obs.kind != "article":
            return None
        keys = [f"url:{u}" for u in urls(obs.text)]
        if not keys:
            return None
        t = s.incident_keys
        brands = sorted(self.p.matcher.brands)
        row = self.conn.execute(select(t.c.brand).where(t.c.brand.in_(brands), t.c.key.in_(keys))
                                .order_by(t.c.brand).limit(1)).first()
        return row[0] if row else None

    def one(self, item: Pending) -> None:
        obs = item.obs
        row = self.mentions.get(obs.key)
        metrics = {name: getattr(obs.metrics, name) for name in METRIC_NAMES}
        engagement = obs.metrics.engagement()
        if row is None:
            self.new_mention(item, metrics, engagement)
            return
        if row["metrics"] == metrics and row["text"] == obs.text:
            self.stats.unchanged += 1
            return
        # A later snapshot of a post we hold: store it, follow its engagement.
        self.stats.snapshots += 1
        self._snapshot(obs, item.brand)
        if obs.observed_at < row["last_observed_at"]:
            return  # an older snapshot arriving late: kept, but the latest state stays
        delta = engagement - int(row["engagement"])
        row.update(metrics=metrics, engagement=engagement, text=obs.text, last_observed_at=obs.observed_at)
        if obs.key not in self.new_keys:  # a new row is inserted as it ends up
            self.changed[obs.key] = row
        inc = self.incidents.get(row["incident_id"]) if row["incident_id"] else None
        if inc is not None and delta:
            facts = MentionFacts(
                source=obs.source, post_id=obs.id, kind=obs.kind, url=obs.url, text=obs.text,
                author=row["author_handle"] or row["author_id"], followers=row["followers"] or 0,
                created_at=obs.created_at, engagement=engagement, is_complaint=bool(row["is_complaint"]),
                complaint=row["complaint"] or 0.0, sentiment=row["sentiment"] or 0.0, cues=tuple(row["cues"] or ()),
                score=row["score"] or 0.0, by_brand=bool(row["by_brand"]))
            add_engagement(inc.state, delta, obs.observed_at, snapshot=True, m=facts)
            if not facts.by_brand:
                follow_post(inc.state, f"{obs.source}:{obs.id}", engagement, obs.observed_at, obs.created_at)
            self.decide(inc, obs.observed_at)

    def new_mention(self, item: Pending, metrics: dict[str, Any], engagement: int) -> None:
        obs, brand = item.obs, item.brand
        self.stats.new_mentions += 1
        by_brand = self.p.matcher.by_brand(obs, brand)
        if by_brand:
            sc = MentionScore(lang=obs.lang or "und", sentiment=0.0, complaint=0.0, is_complaint=False, cues=(),
                              score=0.0)
        else:
            sc = self.p.scorer.score(obs.text, lang=obs.lang, followers=obs.author.followers, engagement=engagement,
                                     rating=obs.rating)
            sc = rated(sc, obs.rating, followers=obs.author.followers, engagement=engagement)
        author = obs.author.handle or obs.author.id
        # A post that reads clearly positive is not a complaint to the incident logic, whatever the
        # model made of it (a thank-you going viral must not open a complaint story).
        complaint = sc.is_complaint and sc.sentiment <= K.positive
        facts = MentionFacts(
            source=obs.source, post_id=obs.id, kind=obs.kind, url=obs.url, text=obs.text, author=author,
            followers=obs.author.followers or 0, created_at=obs.created_at, engagement=engagement,
            is_complaint=complaint, complaint=sc.complaint, sentiment=sc.sentiment, cues=tuple(sc.cues),
            score=sc.score, by_brand=by_brand, against=not by_brand and against_brand(complaint, sc), rating=obs.rating)
        pulse = self.pulses[brand]
        if not by_brand:
            pulse.add(obs.created_at.timestamp(), author, complaint, facts.against)
            if obs.rating is not None:
                pulse.add_review(obs.created_at.timestamp(), obs.rating)
        inc, linked, opened = self.grouping.attach(item, facts, self.mentions, pulse, self._find)
        if opened:
            assert inc is not None
            self.incidents[inc.id] = inc
            self.stats.new_incidents += 1
        row = dict(
            source=obs.source, post_id=obs.id, brand=brand, kind=obs.kind, url=obs.url, text=obs.text,
            author_id=obs.author.id, author_handle=obs.author.handle, followers=obs.author.followers,
            created_at=obs.created_at, first_seen=obs.observed_at, last_observed_at=obs.observed_at,
            metrics=metrics, engagement=engagement, in_reply_to=obs.in_reply_to,
            conversation_id=obs.conversation_id, by_brand=by_brand, lang=sc.lang, sentiment=sc.sentiment,
            complaint=sc.complaint, is_complaint=sc.is_complaint, cues=list(sc.cues), score=sc.score,
            incident_id=inc.id if inc else None)
        self.mentions[obs.key] = row
        self.new_mentions.append(row)
        self.new_keys.add(obs.key)
        self._snapshot(obs, brand)
        if not by_brand:
            self.days.count(brand, obs.created_at, mentions=1, complaints=int(sc.is_complaint), engagement=engagement)
        elif obs.in_reply_to or obs.text.lstrip().startswith("@"):  # the brand answering someone in public
            self.days.count(brand, obs.created_at, answers=1)
        if inc is not None:
            # Topic words only matter while the story may be one customer's (a few people at most).
            small = inc.state["n_authors"] <= TOPIC_AUTHORS
            words = topic_words(obs.text, self.p.brand_words(brand)) if complaint and author and small else frozenset()
            add_mention(inc.state, facts, self.cfg.repeat_gap, linked=linked, words=words)
            if facts.rating is not None and facts.rating <= LOW_STARS and not by_brand:
                count_review_words(inc.state, topic_words(obs.text, self.p.brand_words(brand)))
            if not by_brand:
                checkpoint(inc.state, obs.created_at, pulse.total)
            if engagement and not by_brand:
                add_engagement(inc.state, engagement, obs.observed_at, snapshot=False)
                follow_post(inc.state, f"{obs.source}:{obs.id}", engagement, obs.observed_at, obs.created_at)
            self.decide(inc, obs.observed_at)

    def _snapshot(self, obs: Observation, brand: str) -> None:
        if not self.p.keep_snapshots:
            return
        payload = observation_to_dict(obs)
        payload["brand"] = brand
        self.snapshots.append(dict(source=obs.source, post_id=obs.id, brand=brand, created_at=obs.created_at,
                                   observed_at=obs.observed_at, payload=payload))

    def _find(self, inc_id: str) -> Incident | None:
        """An incident this batch holds, or from the database."""
        inc = self.incidents.get(inc_id)
        if inc is not None:
            return inc
        r = self.conn.execute(select(s.incidents).where(s.incidents.c.id == inc_id)).first()
        if r is None:
            return None
        inc = self.incidents[inc_id] = incident_from_row(r)
        return inc

    def decide(self, inc: Incident, at: datetime) -> None:
        now = at if self.p.replay else max(at, self.p.clock())
        self.touched.add(inc.id)
        base = self.days.baseline(inc.brand, now, self.pulses.get(inc.brand))
        a = assess(inc.state, now, base, self.cfg, explain=False)
        inc.assessed = (now, base)
        st = inc.state
        st["tier"], st["score"], st["last_seen"] = int(a.tier), a.score, now.timestamp()
        if self.p.observer is not None:
            self.p.observer(inc.id, inc.brand, now, a.score, a.tier)
        if a.tier > inc.alerted_tier and a.tier >= self.p.min_tier and a.evidence:
            a = replace(a, reasons=assess(inc.state, now, base, self.cfg).reasons)
            event = AlertEvent(
                incident=inc.id, brand=inc.brand, tier=a.tier, at=now, score=a.score,
                mentions=inc.state["mentions"], authors=inc.state["n_authors"], sources=tuple(inc.state["sources"]),
                reasons=a.reasons, first_seen=inc.first_seen, previous_tier=Tier(inc.alerted_tier),
                top_posts=tuple(dict(t) for t in inc.state["top"]), replay=self.p.replay)
            inc.alerted_tier = int(a.tier)
            self.stats.alerts.append(event)
            # The alert chain (monitor/alerting/chain.py): silence, route, quiet hours, then the outbox.
            self.outbox += outbox_rows(event, self.p.route(event))
