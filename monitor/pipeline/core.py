"""The one pipeline: match brand → store → score → attach to incident → assess → decide → outbox.

The daemon, ``poll-once``, ``replay`` and ``score`` all drive it; the clock is injected. One call to
``process`` is one transaction: the observations, the scores, the incident updates, the alert rows in
the outbox and the source's cursor are committed together or not at all.

A batch (``monitor/pipeline/batch.py``) reads what it needs up front (the mentions, incident keys and
incidents its observations touch: ``prefetch.py``), works in memory, and writes back with one
multi-row statement per table (``writeback.py``): that is what lets a replay run thousands of
observations a second on SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.exc import DataError, IntegrityError

from monitor.brands import BrandMatcher
from monitor.config.settings import Config
from monitor.interfaces import Clock
from monitor.jsonl import observation_to_dict
from monitor.models import AlertEvent, MentionScore, Observation, Tier
from monitor.pipeline.batch import Batch
from monitor.pipeline.cache import Cache, Held
from monitor.pipeline.writeback import write_incidents, write_mentions
from monitor.sanitize import clean_observation
from monitor.storage import schema as s
from monitor.storage.store import Store
from monitor.textsig import normalise, signature

log = logging.getLogger("monitor.pipeline")

Router = Callable[[AlertEvent], Sequence[str]]
"""Which channels an alert goes to (monitor/alerting/ decides: routes, silences, snoozes); default: all."""
Observer = Callable[[str, str, datetime, float, Tier], None]
"""Told of every assessment (incident, brand, time, score, tier): replay draws its charts from it."""


class Scorer(Protocol):
    def score(self, text: str, *, lang: str | None = None, followers: int | None = None,
              engagement: int = 0, rating: int | None = None) -> MentionScore: ...


@dataclass
class BatchStats:
    observations: int = 0
    unmatched: int = 0
    new_mentions: int = 0
    snapshots: int = 0
    unchanged: int = 0
    new_incidents: int = 0
    alerts: list[AlertEvent] = field(default_factory=list)
    set_aside: list[tuple[str, str, str]] = field(default_factory=list)  # (source, post id, reason) refused

    def add(self, other: BatchStats) -> None:
        for name in ("observations", "unmatched", "new_mentions", "snapshots", "unchanged", "new_incidents"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.alerts += other.alerts
        self.set_aside += other.set_aside


# What the database says of a value it cannot hold (too long for its column, out of range, a broken
# constraint): a fault of one post, not of the database, which a batch is stored without.
REFUSED = (DataError, IntegrityError)


def refusal(exc: BaseException) -> str:
    """The database's reason, in one line (its class and first line: the values are public posts)."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first}"[:300]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """How a pipeline works, in one record. None of these changes a decision: the daemon and a replay
    of what it saw decide alike; they trade memory and writes for speed where that is safe."""

    # Replay's clock: the event's own time is "now" (the daemon takes the later of it and the clock),
    # and the alerts are marked as replays.
    replay: bool = False
    # A single writer (a replay into its own database) may keep what it wrote in memory between
    # batches; the daemon may not, since other replicas can write the same database.
    single_writer: bool = False
    # A scratch database (replay's) may even hold what a batch changed back until it leaves memory
    # or ``Pipeline.finish``: an incident a story keeps touching is then written once, not once a batch.
    write_back: bool = False
    # A replay into a throwaway database need not copy its input into ``observations`` again.
    keep_snapshots: bool = True
    cache_limits: tuple[int, int] = (50_000, 40_000)  # mentions, incidents kept by a single writer
    # Wording signatures (``monitor.textsig.signature``); replay passes one answered ahead by a worker.
    signer: Callable[[str, frozenset[str]], list[int]] = signature


DAEMON = PipelineOptions()


def replay_options(*, scratch: bool, signer: Callable[[str, frozenset[str]], list[int]] = signature) -> PipelineOptions:
    """A replay's options: its own database, written back lazily when it is a throwaway (``scratch``)."""
    return PipelineOptions(replay=True, single_writer=True, write_back=scratch, keep_snapshots=not scratch,
                           signer=signer)


class Pipeline:
    """Build it with ``build_pipeline`` (``monitor/pipeline/factory.py``), which wires the router."""

    def __init__(self, store: Store, config: Config, scorer: Scorer, clock: Clock, *, route: Router,
                 observer: Observer | None = None, options: PipelineOptions = DAEMON):
        self.store = store
        self.options = options
        self.cache = (Cache(store, options.write_back, *options.cache_limits)
                      if options.single_writer or options.write_back else None)
        self.keep_snapshots = options.keep_snapshots
        self.replay = options.replay
        self.signer = options.signer
        self.config = config
        self.scorer = scorer
        self.clock = clock
        self.matcher = BrandMatcher(config.brand_queries())
        self.min_tier = Tier.parse(config.alerts.min_tier)
        self.route = route
        self.observer = observer
        # Told when a transaction the pipeline opened inside ``process`` committed, or rolled back: what
        # the observer heard meanwhile is kept or forgotten (the daemon's score log).
        self.committed: Callable[[], None] = _nothing
        self.rolled_back: Callable[[], None] = _nothing
        self._brand_words: dict[str, frozenset[str]] = {}

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
        """One transaction: the observations, what they changed, and the source's cursor.

        When the database refuses a value in it (one odd post among good ones), the batch is stored
        without that post: halves are tried until the posts it refuses are found, each is set aside
        with its reason (``set_aside``, counted in ``BatchStats.set_aside``), and the rest is stored
        with the cursor, so the source goes on. A single writer's cache may have taken the refused
        batch's changes in memory, so there the error is raised, as any other error is."""
        items = list(observations)
        try:
            return self._attempt(items, source, cursor)
        except REFUSED:
            if self.cache is not None:
                raise
            self.rolled_back()
        stats = BatchStats()
        self._isolate(items, source, cursor, stats)
        return stats

    def _attempt(self, observations: list[Observation], source: str | None, cursor: dict[str, Any] | None) -> BatchStats:
        stats = BatchStats()
        with self.store.begin() as conn:
            batch = Batch(self, conn, stats)
            batch.run(observations)
            if source is not None and cursor is not None:
                Store.set_cursor(conn, source, cursor, self.clock())
        if self.cache is not None:  # only once committed
            self._write_back(self.cache.keep(batch))
        return stats

    def _isolate(self, part: list[Observation], source: str | None, cursor: dict[str, Any] | None,
                 stats: BatchStats) -> None:
        """Store ``part`` (refused as a whole) in halves, setting aside the posts refused alone; the
        cursor goes with the last half."""
        if len(part) == 1:
            reason = self._set_aside(part[0], source, cursor)
            stats.observations += 1
            stats.set_aside.append((part[0].source, part[0].id, reason))
            return
        mid = len(part) // 2
        for half, last in ((part[:mid], False), (part[mid:], True)):
            try:
                done = self._attempt(half, source if last else None, cursor if last else None)
            except REFUSED:
                self.rolled_back()
                self._isolate(half, source if last else None, cursor if last else None, stats)
                continue
            self.committed()
            stats.add(done)

    def _set_aside(self, obs: Observation, source: str | None, cursor: dict[str, Any] | None) -> str:
        """Keep a refused post with the database's reason (and the cursor, if it was the batch's last)."""
        try:
            self._attempt([obs], source, cursor)
        except REFUSED as exc:
            self.rolled_back()
            reason = refusal(exc)
        else:  # stored alone: what was refused was its company (a race with another writer, say)
            self.committed()
            return ""
        payload = observation_to_dict(clean_observation(obs))
        with self.store.begin() as conn:
            conn.execute(insert(s.set_aside).values(source=payload["source"], post_id=payload["id"], at=self.clock(),
                                                    reason=reason, payload=payload))
            if source is not None and cursor is not None:
                Store.set_cursor(conn, source, cursor, self.clock())
        log.warning("post set aside", extra={"source": payload["source"], "post": payload["id"][:80], "reason": reason})
        return reason

    def finish(self) -> None:
        """Write what a write-back cache still holds back."""
        if self.cache is not None:
            self._write_back(self.cache.everything_held())

    def _write_back(self, held: Held) -> None:
        if held.empty():
            return
        with self.store.begin() as conn:
            write_mentions(conn, held.new_mentions, held.changed_mentions)
            write_incidents(conn, held.incidents, self.config.scoring)


def _nothing() -> None:
    pass
