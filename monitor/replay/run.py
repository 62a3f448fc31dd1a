"""``monitor replay``: recorded observations through the very same pipeline on a simulated clock.

Input streams through a bounded reorder buffer into event-time order, so a file of any size replays
in flat memory. Decisions go to a temporary database: the live one is never touched.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.config.durations import format_timestamp
from monitor.config.settings import Config
from monitor.events import contract_alert
from monitor.models import AlertEvent, Observation, Tier, event_order
from monitor.pipeline.core import Scorer, replay_options
from monitor.pipeline.factory import build_pipeline
from monitor.replay.prescore import Job, Prescored, ScoreAhead
from monitor.storage import schema as s
from monitor.storage.incident_views import hourly_counts, posts_of
from monitor.storage.store import Store

BATCH = 10_000  # observations per transaction: an incident touched in a batch is written once
REORDER_WINDOW = 50_000
MAX_POINTS = 400  # per incident series kept for the report, downsampled beyond


@dataclass
class Series:
    brand: str
    points: list[tuple[datetime, float, int]] = field(default_factory=list)
    peak: int = 0

    def add(self, at: datetime, score: float, tier: Tier) -> None:
        self.peak = max(self.peak, int(tier))
        if self.points and self.points[-1][0] == at:
            self.points[-1] = (at, score, int(tier))
        else:
            self.points.append((at, score, int(tier)))
        if len(self.points) > MAX_POINTS:
            # Keep every other point of the older half: a chart needs shape, not every sample.
            half = len(self.points) // 2
            self.points = self.points[:half:2] + self.points[half:]


@dataclass
class ReplayResult:
    alerts: list[AlertEvent]
    observations: int = 0
    mentions: int = 0
    incidents: int = 0
    skipped_lines: int = 0
    late: int = 0  # observations that arrived too far out of order to be put back in place
    scored_ahead: int = 0  # mentions scored by the worker process
    signed_ahead: int = 0  # and whose signature it worked out
    series: dict[str, Series] = field(default_factory=dict)
    feedback: dict[str, Any] | None = None  # ``--since``: the replay against the team's labels (monitor/replay/feedback.py)
    hourly: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # incident → hour → source → n
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the brand's own posts in an incident

    def to_json(self, markers: Sequence[tuple[str, datetime]] = ()) -> str:
        """CONTRACT.md's replay JSON, with the lead times to ``markers`` (a post-mortem's main answer);
        the same input and config give byte-identical output."""
        doc: dict[str, Any] = {"alerts": [contract_alert(a) for a in self.alerts],
                               "stats": {"observations": self.observations, "mentions": self.mentions,
                                         "incidents": self.incidents, "skipped_lines": self.skipped_lines}}
        if markers:
            doc["lead_times"] = [{**row, "at": format_timestamp(row["at"])}  # type: ignore[arg-type]
                                 for row in lead_times(self.alerts, markers)]
        if self.feedback is not None:
            doc["feedback"] = self.feedback
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def lead_times(alerts: list[AlertEvent], markers: Sequence[tuple[str, datetime]]) -> list[dict[str, object]]:
    """Per marker and incident: how long before the marker each tier was first reached."""
    rows: list[dict[str, object]] = []
    first: dict[tuple[str, str], datetime] = {}
    for a in alerts:
        first.setdefault((a.incident, a.tier.name), a.at)
    for name, at in markers:
        for (incident, tier), when in sorted(first.items(), key=lambda kv: (kv[1], kv[0])):
            rows.append({"marker": name, "incident": incident, "tier": tier, "at": when,
                         "lead_hours": round((at - when).total_seconds() / 3600.0, 1)})
    return rows


def in_event_order(observations: Iterable[Observation], window: int = REORDER_WINDOW,
                   late: list[int] | None = None) -> Iterator[Observation]:
    """Observations in ``observed_at`` order, through a bounded reorder buffer.

    Exports and recordings are already in order or nearly so; a buffer of ``window`` observations
    puts them right in flat memory. One that arrives later than the buffer can wait for is replayed
    when it arrives (at the simulated clock's current time) and counted in ``late``.
    """
    # Ties in time (one poll's page) are broken by when the posts were written, then by their source
    # and id, not by where they stood in the input: the same observations in any order give the same
    # replay, and the daemon judges a poll's posts in that order too (``event_order``).
    heap: list[tuple[datetime, datetime, str, str, int, Observation]] = []
    last: datetime | None = None
    for seq, obs in enumerate(observations):
        heapq.heappush(heap, (*event_order(obs), seq, obs))
        if len(heap) > window:
            at, _, _, _, _, out = heapq.heappop(heap)
            if last is not None and at < last and late is not None:
                late[0] += 1
            last = at if last is None or at > last else last
            yield out
    while heap:
        at, _, _, _, _, out = heapq.heappop(heap)
        if last is not None and at < last and late is not None:
            late[0] += 1
        last = at if last is None or at > last else last
        yield out


@contextlib.contextmanager
def _rare_full_collections() -> Iterator[None]:
    """A replay holds about a million long-lived containers (caches, the reorder buffer, the batch).
    CPython runs a full collection over all of them whenever a quarter as many have been promoted,
    which a replay does every few thousand observations: that cost a sixth of its time. The young
    generations are still collected as usual, and the old one every thousand of theirs."""
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], max(old[2], 1000))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_replay(observations: Iterable[Observation], config: Config, scorer: Scorer, *,
           channels: tuple[str, ...] = ("replay",), keep_series: bool = False,
           progress: Callable[[int], None] | None = None, after_batch: Callable[[Store], None] | None = None,
           store_url: str | None = None, batch_size: int = BATCH,
           score_ahead: Callable[[], Scorer] | None = None,
           finished: Callable[[Store], None] | None = None) -> ReplayResult:
    """Replay ``observations`` (any order) and return the alert decisions in event-time order.

    With ``score_ahead`` (a picklable factory of the same scorer), a worker process scores each
    batch while the pipeline works through the one before; replays shorter than two batches never
    start it. The decisions are the same either way.

    The alerts go to ``channels`` through the config's router, as the daemon's do (``--send``: the
    daemon's channels, routes, silences and quiet hours); ``finished`` is called with the scratch
    store once every batch is written, before it goes (``--send``: the last deliveries and retries).
    """
    result = ReplayResult(alerts=[])
    late = [0]
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="monitor-replay-"))
        stack.enter_context(_rare_full_collections())
        # A throwaway database: durability buys nothing here, so SQLite may skip the fsyncs.
        store = Store(store_url or f"sqlite:///{Path(tmp) / 'replay.db'}", durable=store_url is not None)
        stack.callback(store.close)
        if store_url is None:
            _drop_secondary_indexes(store)
        clock_now: list[datetime] = []

        def observe(inc: str, brand: str, at: datetime, score: float, tier: Tier) -> None:
            if keep_series:
                result.series.setdefault(inc, Series(brand)).add(at, score, tier)

        prescored = Prescored(scorer)
        pipeline = build_pipeline(store, config, prescored, lambda: clock_now[-1], channels=channels,
                                  observer=observe,
                                  options=replay_options(scratch=store_url is None, signer=prescored.signature))
        ahead: ScoreAhead | None = None
        done = 0

        def run(batch: list[Observation], job: Job | None) -> None:
            nonlocal done
            prescored.take(ahead.collect(job) if ahead is not None else ({}, {}))
            clock_now[:] = [batch[-1].observed_at]
            stats = pipeline.process(batch)
            prescored.take(({}, {}))
            result.observations += stats.observations
            result.mentions += stats.new_mentions
            result.incidents += stats.new_incidents
            result.alerts.extend(stats.alerts)
            done += len(batch)
            if after_batch is not None:
                after_batch(store)
            if progress is not None:
                progress(done)

        queued: tuple[list[Observation], Job | None] | None = None
        for batch in _batches(in_event_order(observations, late=late), batch_size):
            job = None
            if queued is not None and score_ahead is not None:
                if ahead is None:
                    ahead = ScoreAhead(score_ahead)
                    stack.callback(ahead.close)
                job = ahead.submit(batch, pipeline.brand_words)
            if queued is not None:
                run(*queued)
            queued = (batch, job)
        if queued is not None:
            run(*queued)
        pipeline.finish()
        if finished is not None:
            finished(store)
        result.scored_ahead, result.signed_ahead = prescored.answered, prescored.signed
        if keep_series:
            _collect_report_data(store, result)
    result.late = late[0]
    return result


def _drop_secondary_indexes(store: Store) -> None:
    """A scratch database is read by primary key only (the report's one query scans): the indexes
    the daemon's queries need would cost a replay three of every five B-tree writes of a mention."""
    with store.begin() as conn:
        for table in (s.mentions, s.incidents, s.observations):
            for index in table.indexes:
                index.drop(conn)


def _batches(observations: Iterable[Observation], size: int) -> Iterator[list[Observation]]:
    batch: list[Observation] = []
    for obs in observations:
        batch.append(obs)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _collect_report_data(store: Store, result: ReplayResult) -> None:
    """Mentions per hour by source, the posts and the brand's answers of the incidents worth a chart,
    read as the incident pages read them (monitor/storage/incident_views.py)."""
    wanted = {a.incident for a in result.alerts} | {i for i, ser in result.series.items() if ser.peak >= Tier.watch}
    if not wanted:
        return
    with store.begin() as conn:
        found = posts_of(conn, sorted(wanted))
    for inc, posts in found.items():
        result.hourly[inc] = hourly_counts(posts)
        result.answers[inc] = [p for p in posts if p["by_brand"]]
        top = sorted((p for p in posts if not p["by_brand"]),
                     key=lambda p: (-(p["score"] or 0) - p["engagement"] / 1e6, p["at"]))
        result.posts[inc] = top[:25]
