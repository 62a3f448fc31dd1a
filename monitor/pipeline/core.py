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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from monitor.config.settings import Config
from monitor.interfaces import Clock
from monitor.models import AlertEvent, MentionScore, Observation, Tier
from monitor.pipeline.batch import Batch
from monitor.pipeline.brands import BrandMatcher
from monitor.pipeline.cache import Cache, Held
from monitor.pipeline.writeback import write_incidents, write_mentions
from monitor.storage.store import Store
from monitor.textsig import normalise, signature

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
        self.cache = Cache(store, write_back, *cache_limits) if single_writer or write_back else None
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
            batch = Batch(self, conn, stats)
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

    def _write_back(self, held: Held) -> None:
        if held.empty():
            return
        with self.store.begin() as conn:
            write_mentions(conn, held.new_mentions, held.changed_mentions)
            write_incidents(conn, held.incidents, self.config.scoring)
