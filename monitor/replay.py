"""``monitor replay``: recorded observations through the very same pipeline on a simulated clock.

Input is staged in a temporary SQLite file and read back in event-time order, so a file of any size
replays in flat memory and in the right order even when its lines are not sorted. Decisions go to a
temporary database: the live one is never touched.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select

from monitor.config import Config
from monitor.events import contract_alert
from monitor.jsonl import observation_from_dict, observation_to_dict
from monitor.models import AlertEvent, Observation, Tier
from monitor.pipeline import Pipeline, Scorer
from monitor.store import Store

BATCH = 1000
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
    series: dict[str, Series] = field(default_factory=dict)
    hourly: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # incident → hour → source → n
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> str:
        """CONTRACT.md's replay JSON; the same input and config give byte-identical output."""
        doc = {"alerts": [contract_alert(a) for a in self.alerts],
               "stats": {"observations": self.observations, "mentions": self.mentions,
                         "incidents": self.incidents, "skipped_lines": self.skipped_lines}}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


class _Staging:
    """An on-disk sort buffer: lines in, observations out in (observed_at, arrival) order."""

    def __init__(self, folder: Path):
        self.engine = create_engine(f"sqlite:///{folder / 'staging.db'}")
        md = MetaData()
        self.t = Table("staged", md, Column("seq", Integer, primary_key=True), Column("at", String(40), index=True),
                       Column("line", Text, nullable=False))
        md.create_all(self.engine)
        self.count = 0

    def add_all(self, observations: Iterable[Observation]) -> None:
        buf: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            for obs in observations:
                self.count += 1
                # Sorting on the UTC ISO string is sorting on time (fixed width, same zone).
                at = obs.observed_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
                buf.append({"seq": self.count, "at": at, "line": json.dumps(observation_to_dict(obs))})
                if len(buf) >= 5000:
                    conn.execute(insert(self.t), buf)
                    buf.clear()
            if buf:
                conn.execute(insert(self.t), buf)

    def ordered(self) -> Iterator[Observation]:
        last: tuple[str, int] = ("", 0)
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(select(self.t.c.seq, self.t.c.at, self.t.c.line)
                                    .where((self.t.c.at > last[0]) | ((self.t.c.at == last[0]) & (self.t.c.seq > last[1])))
                                    .order_by(self.t.c.at, self.t.c.seq).limit(5000)).all()
            if not rows:
                return
            for r in rows:
                yield observation_from_dict(json.loads(r.line))
            last = (rows[-1].at, rows[-1].seq)

    def close(self) -> None:
        self.engine.dispose()


def replay(observations: Iterable[Observation], config: Config, scorer: Scorer, *,
           channels: tuple[str, ...] = ("replay",), keep_series: bool = False,
           progress: Callable[[int], None] | None = None, after_batch: Callable[[Store], None] | None = None,
           store_url: str | None = None) -> ReplayResult:
    """Replay ``observations`` (any order) and return the alert decisions in event-time order."""
    result = ReplayResult(alerts=[])
    with tempfile.TemporaryDirectory(prefix="monitor-replay-") as tmp:
        folder = Path(tmp)
        staging = _Staging(folder)
        staging.add_all(observations)
        store = Store(store_url or f"sqlite:///{folder / 'replay.db'}")
        clock_now: list[datetime] = []

        def observe(inc: str, brand: str, at: datetime, score: float, tier: Tier) -> None:
            if keep_series:
                result.series.setdefault(inc, Series(brand)).add(at, score, tier)

        pipeline = Pipeline(store, config, scorer, lambda: clock_now[-1], channels=channels, replay=True,
                            observer=observe)
        batch: list[Observation] = []
        done = 0

        def flush() -> None:
            nonlocal done
            if not batch:
                return
            clock_now[:] = [batch[-1].observed_at]
            stats = pipeline.process(batch)
            result.observations += stats.observations
            result.mentions += stats.new_mentions
            result.incidents += stats.new_incidents
            result.alerts.extend(stats.alerts)
            done += len(batch)
            batch.clear()
            if after_batch is not None:
                after_batch(store)
            if progress is not None:
                progress(done)

        for obs in staging.ordered():
            batch.append(obs)
            if len(batch) >= BATCH:
                flush()
        flush()
        if keep_series:
            _collect_report_data(store, result)
        store.close()
        staging.close()
    return result


def _collect_report_data(store: Store, result: ReplayResult) -> None:
    """Mentions per hour by source, and the posts, of the incidents worth a chart."""
    from monitor import schema as s

    wanted = {a.incident for a in result.alerts} | {i for i, ser in result.series.items() if ser.peak >= Tier.watch}
    if not wanted:
        return
    m = s.mentions
    with store.begin() as conn:
        rows = conn.execute(select(m.c.incident_id, m.c.source, m.c.post_id, m.c.created_at, m.c.text, m.c.url,
                                   m.c.author_handle, m.c.engagement, m.c.score, m.c.cues)
                            .where(m.c.incident_id.in_(sorted(wanted))).order_by(m.c.created_at, m.c.post_id)).all()
    for r in rows:
        hour = r.created_at.strftime("%Y-%m-%dT%H:00Z")
        per = result.hourly.setdefault(r.incident_id, {}).setdefault(hour, {})
        per[r.source] = per.get(r.source, 0) + 1
        posts = result.posts.setdefault(r.incident_id, [])
        posts.append({"source": r.source, "id": r.post_id, "at": r.created_at, "text": r.text, "url": r.url,
                      "author": r.author_handle, "engagement": r.engagement, "score": r.score,
                      "cues": list(r.cues or [])})
    for inc, posts in result.posts.items():
        posts.sort(key=lambda p: (-(p["score"] or 0) - p["engagement"] / 1e6, p["at"]))
        result.posts[inc] = posts[:25]
