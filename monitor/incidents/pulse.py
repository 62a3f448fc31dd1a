"""A brand's pulse: its recent traffic, minute by minute, against which bursts and surges are judged.

Per brand, ten-minute buckets over the last three hours of mentions (by anyone but the brand) and of
people complaining, plus a running count of every mention. Two things read it:

- an incident's *burst*: people joining a story are compared with the brand's traffic in the same
  window (so the daily rhythm, a busy Monday or a quiet night, is in the expectation);
- the brand's *surge*: many different people complaining in the last hours, in words too different
  for any one story to gather them (an outage, described by each customer in their own way). While a
  surge lasts, complaints that find no better story join one surge incident.

The pulse is stored per brand (``brand_pulse``) and changed only under the brand's lock, like its
incidents, so every replica and every restart sees the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BUCKET = 600.0  # seconds
HOUR = 3600.0
HORIZON = 3 * 3600.0  # the longest window anything looks back
MAX_PEOPLE = 5000  # complaining people remembered within the horizon (a bound, not a sample)
MEMORY = 1 / 7  # weight of the newest day in the hour-of-day profile: about a week's memory


@dataclass
class Pulse:
    total: int = 0  # every mention counted, ever: incidents remember it at their start
    mentions: list[list[float]] = field(default_factory=list)  # [bucket start, mentions]
    complainers: list[list[float]] = field(default_factory=list)  # [bucket start, new complaining people]
    people: dict[str, float] = field(default_factory=dict)  # who complained within the horizon, and when last
    surge: float = 0.0  # epoch of the last moment the brand was surging (0: never)
    # Complaining people per hour of the day (UTC), averaged over past days, and how many days each
    # average has seen: a brand's rhythm (quiet nights, busy lunchtimes) is part of its normal.
    profile: list[list[float]] = field(default_factory=lambda: [[0.0, 0] for _ in range(24)])
    folded: float = 0.0  # start of the next hour to fold into the profile
    days: list[int] = field(default_factory=list)  # complaining people per day, the last one under way
    recent_complainers: int = field(default=0, compare=False)  # the sum of ``complainers``, kept as it changes
    _usual: dict[tuple[float, float, float], float | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.recent_complainers = int(sum(n for _, n in self.complainers))

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> Pulse:
        if not doc:
            return cls()
        pulse = cls(int(doc.get("total", 0)), [list(b) for b in doc.get("mentions", ())],
                    [list(b) for b in doc.get("complainers", ())], dict(doc.get("people", {})),
                    float(doc.get("surge", 0.0)), folded=float(doc.get("folded", 0.0)),
                    days=[int(d) for d in doc.get("days", ())])
        if len(doc.get("profile") or ()) == 24:
            pulse.profile = [list(p) for p in doc["profile"]]
        return pulse

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "mentions": self.mentions, "complainers": self.complainers,
                "people": self.people, "surge": self.surge, "profile": self.profile, "folded": self.folded,
                "days": self.days}

    def knows_rhythm(self, min_daily: float = 10.0) -> bool:
        """Whether the last two complete days each brought ``min_daily`` complaining people."""
        complete = self.days[:-1]  # the last one is the day under way
        return len(complete) >= 2 and min(complete[-2:]) >= min_daily

    def usual(self, t_now: float, window: float, *, min_daily: float = 10.0) -> float | None:
        """Complaining people a window ending at ``t_now`` usually brings, by the hour-of-day profile;
        None until the last two complete days each brought ``min_daily`` people (a brand barely
        mentioned yet, or only just collected, has no rhythm to speak of)."""
        if not self.knows_rhythm(min_daily):
            return None
        t_now -= t_now % 60  # to the minute: the profile is hourly, and this is asked for often
        key = (t_now, window, self.folded)
        if key in self._usual:
            return self._usual[key]
        total, t = 0.0, t_now - window
        while t < t_now - 1:
            mean, days = self.profile[int(t // HOUR) % 24]
            if days < 2:
                return None
            span = min(HOUR - t % HOUR, t_now - t)
            total += mean * span / HOUR
            t += span
        if len(self._usual) > 64:
            self._usual.clear()
        self._usual[key] = total
        return total

    def add(self, at: float, author: str | None, complaint: bool) -> None:
        """Count one mention (not the brand's own) created at epoch ``at``."""
        hour = at - at % HOUR
        if hour > self.folded:
            self._fold(hour)
        self.total += 1
        fresh = _bump(self.mentions, at)
        if complaint:
            last = self.people.get(author) if author else None
            if last is None or at - last > HORIZON:
                fresh = _bump(self.complainers, at) or fresh
                self.recent_complainers += 1
            if author:
                self.people[author] = max(at, last or at)
        if fresh:  # a new bucket: older ones may have left the horizon
            self._forget(at)

    def _fold(self, hour: float) -> None:
        """Fold every hour that ended before ``hour`` into the profile (hours without any mention: 0)."""
        if not self.folded:
            self.folded = hour
            return
        if hour - self.folded > 24 * HOUR:  # a long gap (the monitor was off): its hours are unknown
            self.folded = hour - 24 * HOUR
        while self.folded < hour:
            n = int(sum(c for t, c in self.complainers if self.folded <= t < self.folded + HOUR))
            slot = self.profile[int(self.folded // HOUR) % 24]
            slot[0] = float(n) if not slot[1] else (1 - MEMORY) * slot[0] + MEMORY * n
            slot[1] += 1
            if int(self.folded // HOUR) % 24 == 0:  # a new day begins
                self.days = [*self.days[-6:], 0]
            if self.days:
                self.days[-1] += n
            self.folded += HOUR

    def _forget(self, at: float) -> None:
        horizon = max(at, self.mentions[-1][0] if self.mentions else at) - HORIZON - BUCKET
        while self.mentions and self.mentions[0][0] < horizon:
            del self.mentions[0]
        while self.complainers and self.complainers[0][0] < horizon:
            self.recent_complainers -= int(self.complainers[0][1])
            del self.complainers[0]
        if len(self.people) > MAX_PEOPLE:
            self.people = {a: t for a, t in self.people.items() if t >= horizon}
            while len(self.people) > MAX_PEOPLE:  # still too many: the longest silent go
                del self.people[min(self.people, key=lambda a: (self.people[a], a))]


def _bump(series: list[list[float]], at: float) -> bool:
    """Count one in ``at``'s bucket; whether that bucket is new."""
    bucket = at - at % BUCKET
    for entry in reversed(series):  # posts arrive nearly in order: the bucket is at or near the end
        if entry[0] == bucket:
            entry[1] += 1
            return False
        if entry[0] < bucket:
            break
    series.append([bucket, 1])
    series.sort()
    return True
