"""The daemon's record of each incident's score and tier over time (``incident_scores``).

The pipeline tells its observer of every assessment inside the batch's transaction; ``ScoreLog``
keeps them in memory and writes them once the batch has committed (``flush``), or forgets them if it
rolled back (``discard``). Points are thinned as they are written: one when the tier changes, when
the score moves by ``min_change``, or when ``min_gap`` seconds passed since the last one written. A
point lost to a crash between the commit and the flush costs the chart one sample, never a decision.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from monitor.models import Tier
from monitor.storage import schema as s
from monitor.storage.store import Store

Point = tuple[datetime, float, int]


class ScoreLog:
    def __init__(self, min_change: float = 0.01, min_gap: float = 3600.0, remember: int = 20_000):
        self.min_change, self.min_gap, self.remember = min_change, min_gap, remember
        self.pending: dict[str, list[Point]] = {}
        self.last: OrderedDict[str, Point] = OrderedDict()  # the last point written, per incident

    def observe(self, incident: str, brand: str, at: datetime, score: float, tier: Tier) -> None:
        """The pipeline's ``observer``."""
        points = self.pending.setdefault(incident, [])
        if points and points[-1][0] == at:
            points[-1] = (at, score, int(tier))
        else:
            points.append((at, score, int(tier)))

    def discard(self) -> None:
        self.pending.clear()

    def flush(self, store: Store) -> int:
        """Write the points worth keeping; returns how many."""
        rows: list[dict[str, Any]] = []
        for incident, points in self.pending.items():
            last = self.last.get(incident)
            for point in points:
                if last is None or self._differs(point, last):
                    rows.append({"incident_id": incident, "at": point[0], "score": round(point[1], 4),
                                 "tier": point[2]})
                    last = point
            if last is not None:
                self.last[incident] = last
                self.last.move_to_end(incident)
        self.pending.clear()
        while len(self.last) > self.remember:
            self.last.popitem(last=False)
        if rows:
            with store.begin() as conn:
                conn.execute(insert(s.incident_scores), rows)
        return len(rows)

    def _differs(self, point: Point, last: Point) -> bool:
        return (point[2] != last[2] or abs(point[1] - last[1]) >= self.min_change
                or (point[0] - last[0]).total_seconds() >= self.min_gap)
