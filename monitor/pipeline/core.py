"""The one pipeline: match brand → store → score → attach to incident → assess → decide → outbox.

The daemon, ``poll-once``, ``replay`` and ``score`` all drive it; the clock is injected. One call to
``process`` is one transaction: the observations, the scores, the incident updates, the alert rows in
the outbox and the source's cursor are committed together or not at all.

A batch reads what it needs up front (the mentions, incident keys and incidents its observations
touch), works in memory, and writes back with one multi-row statement per table: that is what lets a
replay run thousands of observations a second on SQLite.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import Connection, select

from monitor.config.settings import Config, ScoringConfig
from monitor.events import event_to_dict
from monitor.incidents.assessment import K, surging
from monitor.incidents.pulse import Pulse
from monitor.incidents.state import (
    Baseline,
    MentionFacts,
    add_engagement,
    add_mention,
    assess,
    checkpoint,
    follow_post,
    incident_id,
    new_state,
    topic_words,
)
from monitor.interfaces import Clock
from monitor.jsonl import observation_to_dict
from monitor.models import METRIC_NAMES, AlertEvent, MentionScore, Observation, Tier
from monitor.pipeline.brands import BrandMatcher
from monitor.sanitize import clean_observation
from monitor.storage import schema as s
from monitor.storage.bulk import insert_rows, update_rows
from monitor.storage.store import Store, insert_ignoring_duplicates, lock_brands, upsert
from monitor.textsig import distinctive_numbers, normalise, signature, urls

BASELINE_DAYS = 14
TOPIC_AUTHORS = 5  # up to this many people in a story, its complainants' topic words are kept
SURGE_KEY = "surge"  # the incident key of a brand's current surge (see monitor/incidents/pulse.py)
SURGE_HOLD = 3 * 3600.0  # a surge's incident stays open this long after its last complaint
SURGE_STICKY = 3600.0  # complaints join the surge this long after the brand last looked surging
SURGE_WEIGHT = 3.5  # above look-alike wording, below a thread or a shared link
CHUNK = 500  # ids per IN (...) query
_MENTION_COLS = ("source", "post_id", "engagement", "metrics", "text", "incident_id", "last_observed_at",
                 "by_brand", "sentiment", "complaint", "is_complaint", "cues", "score", "author_handle",
                 "author_id", "followers")



@dataclass(slots=True)
class DayCounts:
    """A brand's counts over some days: mentions, complaints, engagement and the brand's own answers."""

    mentions: int = 0
    complaints: int = 0
    engagement: int = 0
    answers: int = 0

    def add(self, counts: Sequence[int]) -> None:
        self.mentions += counts[0]
        self.complaints += counts[1]
        self.engagement += counts[2]
        self.answers += counts[3]

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.mentions, self.complaints, self.engagement, self.answers)


@dataclass(frozen=True, slots=True)
class _StoredDays:
    """A brand's stored days around one day: how many past days are stored, their counts and today's,
    the past days of the baseline window, and those of them stored."""

    n_past: int
    past: tuple[int, int, int, int]
    today: tuple[int, int, int, int]
    window: frozenset[str]
    stored: frozenset[str]

Router = Callable[[AlertEvent], Sequence[str]]
"""Which channels an alert goes to (alerts/ decides: routes, silences, snoozes); default: all."""
Observer = Callable[[str, str, datetime, float, Tier], None]
"""Told of every assessment (incident, brand, time, score, tier): replay draws its charts from it."""


class Scorer(Protocol):
    def score(self, text: str, *, lang: str | None = None, followers: int | None = None,
              engagement: int = 0) -> MentionScore: ...


@dataclass
class BatchStats:
    observations: int = 0
    unmatched: int = 0
    new_mentions: int = 0
    snapshots: int = 0
    unchanged: int = 0
    new_incidents: int = 0
    alerts: list[AlertEvent] = field(default_factory=list)


@dataclass
class _Incident:
    id: str
    brand: str
    first_seen: datetime
    state: dict[str, Any]
    alerted_tier: int
    new: bool = False
    # When and against which baseline it was last assessed: its reasons are put in words from these
    # only when an alerted incident is written.
    assessed: tuple[datetime, Baseline] | None = None


@dataclass
class _Pending:
    """An observation with what the batch derived from it before touching the database."""

    obs: Observation
    brand: str
    parents: tuple[str, ...]
    # Only for a post new to us: its identifying keys with the weight of a match, and its wording.
    keys: dict[str, float] = field(default_factory=dict)
    sigs: list[str] = field(default_factory=list)


class Pipeline:
    def __init__(self, store: Store, config: Config, scorer: Scorer, clock: Clock,
                 channels: Iterable[str] = ("console",), *, replay: bool = False, router: Router | None = None,
                 observer: Observer | None = None, keep_snapshots: bool = True, single_writer: bool = False,
                 write_back: bool = False, cache_limits: tuple[int, int] = (50_000, 40_000),
                 signer: Callable[[str, frozenset[str]], list[int]] = signature):
        self.store = store
        # A single writer (a replay into its own database) may keep what it wrote in memory between
        # batches; the daemon may not, since other replicas can write the same database. A scratch
        # database (replay's) may even hold incidents back until they leave memory or ``finish``:
        # an incident a story keeps touching is then written once, not once a batch.
        self.cache = _Cache(store, write_back, *cache_limits) if single_writer or write_back else None
        # A replay into a throwaway database need not copy its input into ``observations`` again.
        self.keep_snapshots = keep_snapshots
        self.config = config
        self.scorer = scorer
        self.clock = clock
        self.channels = tuple(channels)
        self.matcher = BrandMatcher(config.brand_queries())
        self.min_tier = Tier.parse(config.alerts.min_tier)
        self.replay = replay
        self.route: Router = router or (lambda _event: self.channels)
        self.observer = observer
        self._brand_words: dict[str, frozenset[str]] = {}
        self.signer = signer

    def brand_words(self, brand: str) -> frozenset[str]:
        """The words of a brand's name, keywords and handles: in every post about it, so no clue to
        which story a post tells."""
        words = self._brand_words.get(brand)
        if words is None:
            q = self.matcher.brands.get(brand)
            phrases = (brand, *(q.keywords if q else ()), *(q.handles.values() if q else ()))
            words = self._brand_words[brand] = frozenset(w for p in phrases for w in normalise(p))
        return words

    def process(self, observations: Iterable[Observation], *, source: str | None = None,
                cursor: dict[str, Any] | None = None) -> BatchStats:
        stats = BatchStats()
        with self.store.begin() as conn:
            batch = _Batch(self, conn, stats)
            batch.run(observations)
            if source is not None and cursor is not None:
                Store.set_cursor(conn, source, cursor, self.clock())
        if self.cache is not None:  # only once committed
            self._write_back(self.cache.keep(batch))
        return stats

    def finish(self) -> None:
        """Write what a write-back cache still holds back."""
        if self.cache is not None:
            self._write_back(self.cache.everything_held())

    def _write_back(self, held: _Held) -> None:
        if held.empty():
            return
        with self.store.begin() as conn:
            _write_mentions(conn, held.new_mentions, held.changed_mentions)
            _write_incidents(conn, held.incidents, self.config.scoring)


@dataclass
class _Held:
    """What a write-back cache let go of, to write."""

    new_mentions: list[dict[str, Any]] = field(default_factory=list)
    changed_mentions: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[_Incident] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.new_mentions or self.changed_mentions or self.incidents)


class _Cache:
    """Mentions and incidents a single writer already holds, bounded (least recently used go).

    With ``write_back`` (a scratch database) what a batch changed is written only when it leaves the
    cache or at ``Pipeline.finish``: a post re-observed every few minutes, or an incident a story
    keeps touching, is written once rather than once a batch.
    """

    def __init__(self, store: Store, write_back: bool, max_mentions: int, max_incidents: int):
        self.max_mentions, self.max_incidents = max_mentions, max_incidents
        self.mentions: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self.incidents: OrderedDict[str, _Incident] = OrderedDict()
        self.write_back = write_back
        self.unwritten: set[tuple[str, str]] = set()  # mentions not inserted yet (write-back)
        self.changed: set[tuple[str, str]] = set()  # mentions changed since they were written
        self.dirty: set[str] = set()  # incidents changed since they were written
        self.pulses: dict[str, Pulse] = {}  # brands' pulses as the last batch left them
        # Every mention key stored, hashed to keep it small: a key not in here is not stored (a
        # colliding hash only costs a lookup that finds nothing).
        with store.begin() as conn:
            self.known = {hash((r[0], r[1])) for r in conn.execute(select(s.mentions.c.source, s.mentions.c.post_id))}

    def has(self, key: tuple[str, str]) -> bool:
        """Whether the database may hold this mention."""
        return hash(key) in self.known

    def keep(self, batch: _Batch) -> _Held:
        """Remember a committed batch; returns what the write-back held and has let go of."""
        for key, row in batch.mentions.items():
            self.known.add(hash(key))
            self.mentions[key] = row
            self.mentions.move_to_end(key)
        for inc_id, inc in batch.incidents.items():
            self.incidents[inc_id] = inc
            self.incidents.move_to_end(inc_id)
        self.pulses.update(batch.pulses)
        if self.write_back:
            self.unwritten |= batch.new_keys
            self.changed |= batch.changed.keys()
            self.dirty |= batch.touched
        held = _Held()
        while len(self.mentions) > self.max_mentions:
            self._let_go_mention(*self.mentions.popitem(last=False), held)
        while len(self.incidents) > self.max_incidents:
            inc_id, inc = self.incidents.popitem(last=False)
            if inc_id in self.dirty:
                self.dirty.discard(inc_id)
                held.incidents.append(inc)
        return held

    def _let_go_mention(self, key: tuple[str, str], row: dict[str, Any], held: _Held) -> None:
        if key in self.unwritten:
            self.unwritten.discard(key)
            self.changed.discard(key)
            held.new_mentions.append(row)
        elif key in self.changed:
            self.changed.discard(key)
            held.changed_mentions.append(row)

    def everything_held(self) -> _Held:
        held = _Held()
        for key in sorted(self.unwritten | self.changed):
            self._let_go_mention(key, self.mentions[key], held)
        held.incidents = [self.incidents[i] for i in sorted(self.dirty)]
        self.dirty.clear()
        return held


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


class _Batch:
    """The work of one transaction."""

    def __init__(self, p: Pipeline, conn: Connection, stats: BatchStats):
        self.p, self.conn, self.stats = p, conn, stats
        self.cfg = p.config.scoring
        self.window = timedelta(seconds=self.cfg.window)
        self.repeat_window = timedelta(seconds=self.cfg.repeat_window)
        self.mentions: dict[tuple[str, str], dict[str, Any]] = {}
        self.new_mentions: list[dict[str, Any]] = []
        self.new_keys: set[tuple[str, str]] = set()
        self.changed: dict[tuple[str, str], dict[str, Any]] = {}
        self.snapshots: list[dict[str, Any]] = []
        self.keys: dict[tuple[str, str], list[Any]] = {}  # (brand, key) → [incident, last_seen, stored?]
        self.dirty_keys: set[tuple[str, str]] = set()
        self.incidents: dict[str, _Incident] = {}
        self.touched: set[str] = set()  # incidents this batch changed
        self.outbox: list[dict[str, Any]] = []
        self.baselines: dict[tuple[str, str], _StoredDays] = {}
        self.day_deltas: dict[tuple[str, str], list[int]] = {}  # (brand, day) → mentions, complaints, engagement, answers
        self.day_deltas_of: dict[str, dict[str, list[int]]] = {}  # the same lists by brand, then day
        self.pulses: dict[str, Pulse] = {}  # the batch's brands' recent traffic (monitor/incidents/pulse.py)

    def run(self, observations: Iterable[Observation]) -> None:
        pending: list[_Pending] = []
        for raw in observations:
            self.stats.observations += 1
            obs = clean_observation(raw)
            brand = self.p.matcher.match(obs) or self._brand_by_link(obs)
            if brand is None:
                self.stats.unmatched += 1
                continue
            pending.append(_Pending(obs, brand, tuple(p for p in {obs.in_reply_to, obs.conversation_id} if p)))
        if not pending:
            return
        # One writer per brand: from here to the commit no other batch (another job's thread, another
        # replica) reads or writes these brands' incidents, so none of its decisions is overwritten.
        lock_brands(self.conn, {item.brand for item in pending})
        self._prefetch(pending)
        for item in pending:
            self._one(item)
        self._flush()

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

    # reading ahead -------------------------------------------------------------------------------

    def _prefetch(self, pending: list[_Pending]) -> None:
        m, k, i = s.mentions, s.incident_keys, s.incidents
        by_source: dict[str, set[str]] = {}
        cache = self.p.cache
        for item in pending:
            for post in (item.obs.id, *item.parents):
                key = (item.obs.source, post)
                if cache is not None and key in cache.mentions:
                    self.mentions[key] = cache.mentions[key]
                elif cache is None or cache.has(key):
                    by_source.setdefault(item.obs.source, set()).add(post)
        for source, id_set in by_source.items():
            for part in _chunks(sorted(id_set)):
                cols = [m.c[c] for c in _MENTION_COLS]
                for row in self.conn.execute(select(*cols).where(m.c.source == source, m.c.post_id.in_(part))):
                    self.mentions[(row.source, row.post_id)] = dict(row._mapping)
        # Incident keys matter only to posts new to us (a later snapshot keeps its incident).
        first = {item.obs.key: item for item in reversed(pending)}
        for key, item in first.items():
            if key not in self.mentions:
                item.keys = _candidate_keys(item.obs)
                item.sigs = [f"sig:{h}" for h in self.p.signer(item.obs.text, self.p.brand_words(item.brand))]
        wanted: dict[str, set[str]] = {}
        for item in pending:
            if item.keys or item.sigs:
                wanted.setdefault(item.brand, set()).update(item.keys, item.sigs, (SURGE_KEY,))
        self._load_pulses(sorted({item.brand for item in pending}))
        for brand, keys in sorted(wanted.items()):
            for part in _chunks(sorted(keys)):
                # The primary key is (brand, key): one index probe per key asked for.
                for row in self.conn.execute(select(k.c.key, k.c.incident_id, k.c.last_seen)
                                             .where(k.c.brand == brand, k.c.key.in_(part))):
                    self.keys[(brand, row.key)] = [row.incident_id, row.last_seen, True]
        ids = sorted({v[0] for v in self.keys.values()} | {r["incident_id"] for r in self.mentions.values()
                                                           if r["incident_id"]})
        if cache is not None:
            for inc_id in ids:
                if inc_id in cache.incidents:
                    self.incidents[inc_id] = cache.incidents[inc_id]
            ids = [i for i in ids if i not in self.incidents]
        for part in _chunks(ids):
            for r in self.conn.execute(select(i).where(i.c.id.in_(part))):
                self.incidents[r.id] = _Incident(r.id, r.brand, r.first_seen, dict(r.state), r.alerted_tier)

    def _load_pulses(self, brands: list[str]) -> None:
        cache = self.p.cache
        if cache is not None:
            self.pulses.update({b: cache.pulses[b] for b in brands if b in cache.pulses})
            brands = [b for b in brands if b not in self.pulses]
        t = s.brand_pulse
        for part in _chunks(brands):
            for row in self.conn.execute(select(t.c.brand, t.c.state).where(t.c.brand.in_(part))):
                self.pulses[row.brand] = Pulse.from_json(row.state)
        for b in brands:
            self.pulses.setdefault(b, Pulse())

    # one observation -----------------------------------------------------------------------------

    def _one(self, item: _Pending) -> None:
        obs = item.obs
        row = self.mentions.get(obs.key)
        metrics = {name: getattr(obs.metrics, name) for name in METRIC_NAMES}
        engagement = obs.metrics.engagement()
        if row is None:
            self._new_mention(item, metrics, engagement)
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
                obs.source, obs.id, obs.kind, obs.url, obs.text, row["author_handle"] or row["author_id"],
                row["followers"] or 0, obs.created_at, engagement, bool(row["is_complaint"]),
                row["complaint"] or 0.0, row["sentiment"] or 0.0, tuple(row["cues"] or ()), row["score"] or 0.0,
                bool(row["by_brand"]))
            add_engagement(inc.state, delta, obs.observed_at, snapshot=True, m=facts)
            if not facts.by_brand:
                follow_post(inc.state, f"{obs.source}:{obs.id}", engagement, obs.observed_at, obs.created_at)
            self._decide(inc, obs.observed_at)

    def _new_mention(self, item: _Pending, metrics: dict[str, Any], engagement: int) -> None:
        obs, brand = item.obs, item.brand
        self.stats.new_mentions += 1
        by_brand = self.p.matcher.by_brand(obs, brand)
        if by_brand:
            sc = MentionScore(lang=obs.lang or "und", sentiment=0.0, complaint=0.0, is_complaint=False, cues=(),
                              score=0.0)
        else:
            sc = self.p.scorer.score(obs.text, lang=obs.lang, followers=obs.author.followers, engagement=engagement)
        author = obs.author.handle or obs.author.id
        # A post that reads clearly positive is not a complaint to the incident logic, whatever the
        # model made of it (a thank-you going viral must not open a complaint story).
        complaint = sc.is_complaint and sc.sentiment <= K.positive
        facts = MentionFacts(obs.source, obs.id, obs.kind, obs.url, obs.text, author, obs.author.followers or 0,
                             obs.created_at, engagement, complaint, sc.complaint, sc.sentiment,
                             tuple(sc.cues), sc.score, by_brand)
        if not by_brand:
            self.pulses[brand].add(obs.created_at.timestamp(), author, complaint)
        inc, linked = self._attach(item, facts)
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
            self._count_day(brand, obs.created_at, mentions=1, complaints=int(sc.is_complaint), engagement=engagement)
        elif obs.in_reply_to or obs.text.lstrip().startswith("@"):  # the brand answering someone in public
            self._count_day(brand, obs.created_at, answers=1)
        if inc is not None:
            # Topic words only matter while the story may be one customer's (a few people at most).
            small = inc.state["n_authors"] <= TOPIC_AUTHORS
            words = topic_words(obs.text, self.p.brand_words(brand)) if complaint and author and small else frozenset()
            add_mention(inc.state, facts, self.cfg.repeat_gap, linked=linked, words=words)
            if not by_brand:
                checkpoint(inc.state, obs.created_at, self.pulses[brand].total)
            if engagement and not by_brand:
                add_engagement(inc.state, engagement, obs.observed_at, snapshot=False)
            if engagement and not by_brand:
                follow_post(inc.state, f"{obs.source}:{obs.id}", engagement, obs.observed_at, obs.created_at)
            self._decide(inc, obs.observed_at)

    def _snapshot(self, obs: Observation, brand: str) -> None:
        if not self.p.keep_snapshots:
            return
        payload = observation_to_dict(obs)
        payload["brand"] = brand
        self.snapshots.append(dict(source=obs.source, post_id=obs.id, brand=brand, created_at=obs.created_at,
                                   observed_at=obs.observed_at, payload=payload))

    # incidents -----------------------------------------------------------------------------------

    def _attach(self, item: _Pending, facts: MentionFacts) -> tuple[_Incident | None, bool]:
        """Join the single best-matching open incident, or open a new one (complaints and cues only).

        Also says whether the post is tied to it by more than its author (a thread, a link, a number,
        its wording): only such a post is one more episode of the same complaint."""
        obs, brand = item.obs, item.brand
        votes: dict[str, float] = {}
        parents_or_ids: set[str] = set()  # incidents this post shares a thread, link or number with
        for parent in item.parents:  # reply/quote chain or conversation: the strongest link
            r = self.mentions.get((obs.source, parent))
            if r and r["incident_id"]:
                votes[r["incident_id"]] = votes.get(r["incident_id"], 0) + 10
                parents_or_ids.add(r["incident_id"])
        keys = item.keys
        if not facts.is_complaint:  # only a complaint's author is a lead to their earlier complaints
            keys = {k: v for k, v in keys.items() if not k.startswith("author:")}
        table = self.keys
        named = [(brand, key) for key in (*keys, *item.sigs)]  # its identifiers, then its wording
        slots = [table.get(bk) for bk in named]
        # A story's own identifiers (its author, its numbers, its links) keep it open for weeks;
        # look-alike wording only for the short window.
        since = obs.observed_at - self.repeat_window
        author_keys = [k.startswith("author:") for k in keys]
        for slot, weight, by_author in zip(slots, keys.values(), author_keys, strict=False):
            if slot is not None and slot[1] >= since:
                votes[slot[0]] = votes.get(slot[0], 0) + weight
                if not by_author:
                    parents_or_ids.add(slot[0])
        since = obs.observed_at - self.window
        worded: set[str] = set()  # incidents whose posts this one is worded like
        sig_hits: dict[str, int] = {}
        for slot in slots[len(keys):]:
            if slot is not None and slot[1] >= since:
                sig_hits[slot[0]] = sig_hits.get(slot[0], 0) + 1
        n_sig = len(item.sigs)
        need = max(4, math.ceil(0.6 * n_sig))
        for inc_id, hits in sig_hits.items():
            if hits >= need:
                votes[inc_id] = votes.get(inc_id, 0) + 2 + hits / n_sig
                worded.add(inc_id)
        # Many people complaining at once in their own words (an outage): while the brand surges, a
        # complaint that no thread, link or number ties to a story joins the surge's incident.
        surge_slot: list[Any] | None = None
        in_surge = False  # (a complaint worded like a story still joins the surge: storms repeat words)
        if facts.is_complaint and not parents_or_ids:
            at_ts = obs.created_at.timestamp()
            pulse = self.pulses[brand]
            if surging(pulse, at_ts):
                pulse.surge = max(pulse.surge, at_ts)
            if pulse.surge >= at_ts - SURGE_STICKY:  # a surge ebbs out, it does not stop at once
                in_surge = True
                surge_slot = table.get((brand, SURGE_KEY))
                if surge_slot is not None and surge_slot[1] >= obs.observed_at - timedelta(seconds=SURGE_HOLD):
                    votes[surge_slot[0]] = votes.get(surge_slot[0], 0) + SURGE_WEIGHT
        inc: _Incident | None = None
        opened = False  # this post opens its incident (``inc.new`` stays set until the batch is written)
        if votes:
            best = max(votes, key=lambda i: (votes[i], i))
            inc = self.incidents.get(best) or self._load(best)
        if inc is None:
            if facts.by_brand or not (facts.is_complaint or facts.cues):
                return None, False
            state = new_state(facts)
            state["brand_at_start"] = self.pulses[brand].total - 1  # the brand's traffic before it
            inc = _Incident(incident_id(brand, obs.source, obs.id), brand, obs.created_at, state, 0, new=True)
            opened = True
            self.incidents[inc.id] = inc
            self.stats.new_incidents += 1
        # Register this mention's keys so that the next post finds the incident (reply chains need
        # no key: the mentions table answers them).
        at = obs.observed_at
        inc_id = inc.id
        for bk, slot in zip(named, slots, strict=True):
            if slot is None:
                table[bk] = [inc_id, at, False]
            else:
                slot[0] = inc_id
                if at > slot[1]:
                    slot[1] = at
        self.dirty_keys.update(named)
        if in_surge and (surge_slot is None or surge_slot[0] == inc.id or opened):
            self._register(table, (brand, SURGE_KEY), surge_slot, inc.id, at)
            inc.state["surge"] = True
        if (opened or inc.id in parents_or_ids) and not facts.by_brand:
            # A platform on which the story itself is told (not merely something worded alike).
            tied = inc.state.setdefault("tied_sources", [])
            if obs.source not in tied:
                tied.append(obs.source)
                tied.sort()
        return inc, (opened or inc.id in parents_or_ids or inc.id in worded)

    def _register(self, table: dict[tuple[str, str], list[Any]], bk: tuple[str, str], slot: list[Any] | None,
                  inc_id: str, at: datetime) -> None:
        if slot is None:
            table[bk] = [inc_id, at, False]
        else:
            slot[0] = inc_id
            if at > slot[1]:
                slot[1] = at
        self.dirty_keys.add(bk)

    def _load(self, inc_id: str) -> _Incident | None:
        r = self.conn.execute(select(s.incidents).where(s.incidents.c.id == inc_id)).first()
        if r is None:
            return None
        inc = _Incident(r.id, r.brand, r.first_seen, dict(r.state), r.alerted_tier)
        self.incidents[inc_id] = inc
        return inc

    def _decide(self, inc: _Incident, at: datetime) -> None:
        now = at if self.p.replay else max(at, self.p.clock())
        self.touched.add(inc.id)
        base = self._baseline(inc.brand, now)
        a = assess(inc.state, now, base, self.cfg, explain=False)
        inc.assessed = (now, base)
        inc.state.update(tier=int(a.tier), score=a.score, last_seen=now.timestamp())
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
            payload = event_to_dict(event)
            for channel in self.p.route(event):
                self.outbox.append(dict(dedup_key=f"{inc.id}:{a.tier.name}:{channel}", incident_id=inc.id,
                                        channel=channel, created_at=now, event=payload, attempts=0))

    def _baseline(self, brand: str, now: datetime) -> Baseline:
        """Stored days plus this batch's own counts: the same answer whatever the batch boundaries."""
        day = now.date().isoformat()
        stored = self.baselines.get((brand, day))
        if stored is None:
            stored = self.baselines[(brand, day)] = self._stored_days(brand, now)
        (pm, pc, pe, pa), (tm, tc, te, ta) = stored.past, stored.today
        n_past = stored.n_past
        # This batch's counts, of today and of the days gone by it has not written yet.
        for d, (m, c, e, a) in self.day_deltas_of.get(brand, {}).items():
            if d == day:
                tm, tc, te, ta = tm + m, tc + c, te + e, ta + a
            elif d in stored.window:
                pm, pc, pe, pa = pm + m, pc + c, pe + e, pa + a
                n_past += d not in stored.stored
        total_m, complaints = pm + tm, pc + tc
        return Baseline(daily_mentions=max(pm / n_past, float(tm)) if n_past else float(tm),
                        typical_engagement=(pe + te) / total_m if total_m else 0.0,
                        answer_rate=(pa + ta) / complaints if complaints else 0.0,
                        pulse=self.pulses.get(brand))

    def _stored_days(self, brand: str, now: datetime) -> _StoredDays:
        t = s.brand_days
        day = now.date().isoformat()
        first = (now - timedelta(days=BASELINE_DAYS)).date()
        rows = self.conn.execute(select(t.c.day, t.c.mentions, t.c.complaints, t.c.engagement, t.c.answers).where(
            t.c.brand == brand, t.c.day >= first.isoformat(), t.c.day <= day)).all()
        past, today = DayCounts(), DayCounts()
        for r in rows:
            (today if r.day == day else past).add((r.mentions, r.complaints, r.engagement, r.answers))
        window = frozenset((first + timedelta(days=i)).isoformat() for i in range(BASELINE_DAYS)) - {day}
        stored = frozenset(r.day for r in rows if r.day < day)
        return _StoredDays(len(stored), past.as_tuple(), today.as_tuple(), window, stored)

    def _count_day(self, brand: str, created: datetime, *, mentions: int = 0, complaints: int = 0,
                   engagement: int = 0, answers: int = 0) -> None:
        day = created.date().isoformat()
        d = self.day_deltas.get((brand, day))
        if d is None:
            d = self.day_deltas[(brand, day)] = self.day_deltas_of.setdefault(brand, {})[day] = [0, 0, 0, 0]
        d[0] += mentions
        d[1] += complaints
        d[2] += engagement
        d[3] += answers

    # writing back --------------------------------------------------------------------------------

    def _flush(self) -> None:
        c = self.conn
        cache = self.p.cache
        if cache is None or not cache.write_back:  # else written when they leave the cache
            _write_mentions(c, self.new_mentions, list(self.changed.values()))
        insert_rows(c, s.observations, self.snapshots)
        self._flush_keys()
        self._flush_incidents()
        # An alert already queued (same incident, tier and channel) is not queued twice.
        insert_ignoring_duplicates(c, s.outbox, self.outbox)
        self._flush_days()
        for brand, pulse in sorted(self.pulses.items()):
            upsert(c, s.brand_pulse, {"brand": brand}, {"state": pulse.to_json()})

    def _flush_keys(self) -> None:
        fresh: list[dict[str, Any]] = []
        known: list[dict[str, Any]] = []
        for bk in sorted(self.dirty_keys):
            slot = self.keys[bk]
            (known if slot[2] else fresh).append({"brand": bk[0], "key": bk[1], "incident_id": slot[0],
                                                  "last_seen": slot[1]})
            slot[2] = True
        insert_rows(self.conn, s.incident_keys, fresh)
        update_rows(self.conn, s.incident_keys, ("brand", "key"), known)

    def _flush_incidents(self) -> None:
        cache = self.p.cache
        if cache is not None and cache.write_back:
            return  # written when they leave the cache, or by ``finish``
        _write_incidents(self.conn, [self.incidents[i] for i in sorted(self.touched)], self.cfg)

    def _flush_days(self) -> None:
        for (brand, day), (m, c, e, a) in sorted(self.day_deltas.items()):
            upsert(self.conn, s.brand_days, {"brand": brand, "day": day},
                   {"mentions": m, "complaints": c, "engagement": e, "answers": a}, add=True)


def _write_mentions(conn: Connection, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    insert_rows(conn, s.mentions, new)
    update_rows(conn, s.mentions, ("source", "post_id"),
                [{"source": r["source"], "post_id": r["post_id"], "metrics": r["metrics"], "engagement": r["engagement"],
                  "text": r["text"], "last_observed_at": r["last_observed_at"]} for r in changed])


def _write_incidents(conn: Connection, incidents: Iterable[_Incident], cfg: ScoringConfig) -> None:
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


def _candidate_keys(obs: Observation) -> dict[str, float]:
    """Keys that identify a story, through which this post may find its incident, with the weight of
    a match (its wording is compared apart: see ``signature``)."""
    keys: dict[str, float] = {}
    for u in urls(obs.text):
        if obs.url is None or u not in obs.url.lower():
            keys[f"url:{u}"] = 4
    for u in urls(obs.url or ""):  # the post's own address: what an article or a quote links to
        keys[f"url:{u}"] = 4
    for n in distinctive_numbers(obs.text):
        keys[f"num:{n}"] = 3
    author = obs.author.handle or obs.author.id
    if author:
        keys[f"author:{obs.source}:{author.lower()}"] = 3
    return keys
