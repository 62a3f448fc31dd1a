"""A brand's days (``brand_days``): what a batch counts into them and the baseline read from them.

A batch adds its own counts to the stored days it read, so a baseline is the same whatever the
batch boundaries; it writes its counts back as additions (another replica may count the same day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from monitor.incidents.coefficients import Baseline
from monitor.incidents.pulse import Pulse
from monitor.storage import schema as s
from monitor.storage.sql import upsert

BASELINE_DAYS = 14


@dataclass(slots=True)
class DayCounts:
    """A brand's counts over some days: mentions, complaints, engagement and the brand's own answers."""

    mentions: int = 0
    complaints: int = 0
    engagement: int = 0
    answers: int = 0

    def add(self, other: DayCounts) -> None:
        self.mentions += other.mentions
        self.complaints += other.complaints
        self.engagement += other.engagement
        self.answers += other.answers


@dataclass(frozen=True, slots=True)
class StoredDays:
    """A brand's stored days around one day: how many past days are stored, their counts and today's,
    the past days of the baseline window, and those of them stored."""

    n_past: int
    past: DayCounts
    today: DayCounts
    window: frozenset[str]
    stored: frozenset[str]


class Days:
    """One batch's view of its brands' days: the stored days it read, and its own counts by day."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.stored: dict[tuple[str, str], StoredDays] = {}
        self.deltas: dict[tuple[str, str], DayCounts] = {}  # (brand, day) -> this batch's counts
        self.deltas_of: dict[str, dict[str, DayCounts]] = {}  # the same counts by brand, then day

    def count(self, brand: str, created: datetime, *, mentions: int = 0, complaints: int = 0,
              engagement: int = 0, answers: int = 0) -> None:
        day = created.date().isoformat()
        d = self.deltas.get((brand, day))
        if d is None:
            d = self.deltas[(brand, day)] = self.deltas_of.setdefault(brand, {})[day] = DayCounts()
        d.mentions += mentions
        d.complaints += complaints
        d.engagement += engagement
        d.answers += answers

    def baseline(self, brand: str, now: datetime, pulse: Pulse | None) -> Baseline:
        """Stored days plus this batch's own counts: the same answer whatever the batch boundaries."""
        day = now.date().isoformat()
        stored = self.stored.get((brand, day))
        if stored is None:
            stored = self.stored[(brand, day)] = self._read(brand, now)
        p, t = stored.past, stored.today
        pm, pc, pe, pa = p.mentions, p.complaints, p.engagement, p.answers
        tm, tc, te, ta = t.mentions, t.complaints, t.engagement, t.answers
        n_past = stored.n_past
        # This batch's counts, of today and of the days gone by it has not written yet.
        for d, c in self.deltas_of.get(brand, {}).items():
            if d == day:
                tm, tc, te, ta = tm + c.mentions, tc + c.complaints, te + c.engagement, ta + c.answers
            elif d in stored.window:
                pm, pc, pe, pa = pm + c.mentions, pc + c.complaints, pe + c.engagement, pa + c.answers
                n_past += d not in stored.stored
        total_m, complaints = pm + tm, pc + tc
        return Baseline(daily_mentions=max(pm / n_past, float(tm)) if n_past else float(tm),
                        typical_engagement=(pe + te) / total_m if total_m else 0.0,
                        answer_rate=(pa + ta) / complaints if complaints else 0.0,
                        pulse=pulse)

    def _read(self, brand: str, now: datetime) -> StoredDays:
        t = s.brand_days
        day = now.date().isoformat()
        first = (now - timedelta(days=BASELINE_DAYS)).date()
        rows = self.conn.execute(select(t.c.day, t.c.mentions, t.c.complaints, t.c.engagement, t.c.answers).where(
            t.c.brand == brand, t.c.day >= first.isoformat(), t.c.day <= day)).all()
        past, today = DayCounts(), DayCounts()
        for r in rows:
            (today if r.day == day else past).add(DayCounts(r.mentions, r.complaints, r.engagement, r.answers))
        window = frozenset((first + timedelta(days=i)).isoformat() for i in range(BASELINE_DAYS)) - {day}
        stored = frozenset(r.day for r in rows if r.day < day)
        return StoredDays(len(stored), past, today, window, stored)

    def write(self) -> None:
        """Add this batch's counts to the stored days."""
        for (brand, day), c in sorted(self.deltas.items()):
            upsert(self.conn, s.brand_days, {"brand": brand, "day": day},
                   {"mentions": c.mentions, "complaints": c.complaints, "engagement": c.engagement,
                    "answers": c.answers}, add=True)
