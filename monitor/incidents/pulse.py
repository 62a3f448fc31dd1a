"""A brand's pulse: its recent traffic, minute by minute, against which bursts and surges are judged.

Per brand, ten-minute buckets over the last three hours of mentions (by anyone but the brand) and of
people complaining, plus a running count of every mention. Two things read it:

- an incident's *burst*: people joining a story are compared with the brand's traffic in the same
  window (so the daily rhythm, a busy Monday or a quiet night, is in the expectation);
- the brand's *surge*: many different people complaining in the last hours, in words too different
  for any one story to gather them (an outage, described by each customer in their own way). While a
  surge lasts, complaints that find no better story join one surge incident;
- the brand's *backlash*: many people against the brand at once (mocking, calling for a boycott,
  angry at an advert), complaining or not, against a busy ordinary hour of the brand's last week.
  While a backlash lasts, posts against the brand that find no better story join the same incident
  as a surge's complaints: one storm, one incident.
- the brand's *review wave*: many one- and two-star reviews at once (a bad release, a review bomb)
  against the low ratings its reviews brought a day over the last two weeks. While a wave lasts, low
  reviews join the storm's incident too.

The pulse is stored per brand (``brand_pulse``) and changed only under the brand's lock, like its
incidents, so every replica and every restart sees the same one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from monitor.models import LOW_STARS

BUCKET = 600.0  # seconds
HOUR = 3600.0
HORIZON = 3 * 3600.0  # the longest window anything looks back
MAX_PEOPLE = 5000  # complaining people remembered within the horizon (a bound, not a sample)
MEMORY = 1 / 7  # weight of the newest day in the hour-of-day profile: about a week's memory
WEEK_HOURS = 7 * 24  # the hours kept of the brand's traffic: its ordinary busy hour is read from them
BUSY = 0.9  # a busy hour is busier than this share of the week's hours with traffic
DAY = 24 * HOUR
REVIEW_DAYS = 14  # the days of reviews kept: a brand's usual rate of low ratings is read from them


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
    # People against the brand (complaining, negative about it or threatening to leave), in ten-minute
    # buckets over the horizon, and who they were: what a backlash is judged on.
    against: list[list[float]] = field(default_factory=list)  # [bucket start, new people against the brand]
    against_people: dict[str, float] = field(default_factory=dict)
    backlash: float = 0.0  # epoch of the last moment the brand was in a backlash (0: never)
    # The brand's hours over the last week: [hour start, mentions, people against it, 1 if stormy]. An
    # hour in which the brand surged or was in a backlash is stormy: not part of its normal.
    hours: list[list[float]] = field(default_factory=list)
    # Reviews (posts with stars): the low-rated ones in ten-minute buckets over the last day, and per day
    # [day start, low-rated reviews, all reviews] over the last two weeks.
    low_reviews: list[list[float]] = field(default_factory=list)  # over a day: a wave may take all day
    review_days: list[list[float]] = field(default_factory=list)
    reviews_since: float = 0.0  # the day of the first review ever counted (0: none yet)
    wave: float = 0.0  # epoch of the last moment the brand was in a review wave (0: never)
    recent_complainers: int = field(default=0, compare=False)  # the sum of ``complainers``, kept as it changes
    recent_against: int = field(default=0, compare=False)  # the sum of ``against``, kept as it changes
    _usual: dict[tuple[float, float, float], float | None] = field(default_factory=dict, compare=False, repr=False)
    _normal: dict[tuple[float, int], tuple[float, float] | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.recent_complainers = int(sum(n for _, n in self.complainers))
        self.recent_against = int(sum(n for _, n in self.against))

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> Pulse:
        if not doc:
            return cls()
        pulse = cls(int(doc.get("total", 0)), [list(b) for b in doc.get("mentions", ())],
                    [list(b) for b in doc.get("complainers", ())], dict(doc.get("people", {})),
                    float(doc.get("surge", 0.0)), folded=float(doc.get("folded", 0.0)),
                    days=[int(d) for d in doc.get("days", ())],
                    against=[list(b) for b in doc.get("against", ())], against_people=dict(doc.get("against_people", {})),
                    backlash=float(doc.get("backlash", 0.0)), hours=[list(h) for h in doc.get("hours", ())],
                    low_reviews=[list(b) for b in doc.get("low_reviews", ())],
                    review_days=[list(d) for d in doc.get("review_days", ())],
                    reviews_since=float(doc.get("reviews_since", 0.0)), wave=float(doc.get("wave", 0.0)))
        if len(doc.get("profile") or ()) == 24:
            pulse.profile = [list(p) for p in doc["profile"]]
        return pulse

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "mentions": self.mentions, "complainers": self.complainers,
                "people": self.people, "surge": self.surge, "profile": self.profile, "folded": self.folded,
                "days": self.days, "against": self.against, "against_people": self.against_people,
                "backlash": self.backlash, "hours": self.hours, **self._reviews_json()}

    def _reviews_json(self) -> dict[str, Any]:
        # Only brands with reviews carry these: the stored pulse of every other brand stays as it was.
        if not self.review_days:
            return {}
        return {"low_reviews": self.low_reviews, "review_days": self.review_days,
                "reviews_since": self.reviews_since, "wave": self.wave}

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

    def add(self, at: float, author: str | None, complaint: bool, against: bool = False) -> None:
        """Count one mention (not the brand's own) created at epoch ``at``: a complaint, or against the
        brand (a complaint always is)."""
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
        new_against = 0
        if against or complaint:
            last = self.against_people.get(author) if author else None
            if last is None or at - last > HORIZON:
                fresh = _bump(self.against, at) or fresh
                self.recent_against += 1
                new_against = 1
            if author:
                self.against_people[author] = max(at, last or at)
        self._count_hour(hour, new_against)
        if fresh:  # a new bucket: older ones may have left the horizon
            self._forget(at)

    def add_review(self, at: float, rating: int) -> None:
        """Count one review (not the brand's own) created at epoch ``at`` with ``rating`` stars."""
        low = rating <= LOW_STARS
        if low:
            _bump(self.low_reviews, at)
            horizon = max(at, self.low_reviews[-1][0]) - DAY - BUCKET
            while self.low_reviews and self.low_reviews[0][0] < horizon:
                del self.low_reviews[0]
        day = at - at % DAY
        if not self.reviews_since or day < self.reviews_since:
            self.reviews_since = day
        days = self.review_days
        for entry in reversed(days):
            if entry[0] == day:
                break
        else:
            entry = [day, 0, 0]
            days.append(entry)
            days.sort()
        entry[1] += low
        entry[2] += 1
        while days and days[0][0] < days[-1][0] - REVIEW_DAYS * DAY:
            del days[0]

    def usual_reviews(self, before: float, min_days: int) -> tuple[float, float] | None:
        """(low-rated reviews a day, reviews a day) over the last two weeks before ``before``'s day, from
        the first day with a review (days without any count as none: an app quiet for a month has a
        usual of nothing); None until that spans ``min_days`` days (an app just added, or a backlog
        read newest first, has no usual rate yet)."""
        today = before - before % DAY
        if not self.reviews_since:
            return None
        span = min(REVIEW_DAYS, round((today - self.reviews_since) / DAY))
        if span < min_days:
            return None
        past = [d for d in self.review_days if d[0] < today]
        past = [d for d in past if d[0] >= today - span * DAY]
        return sum(d[1] for d in past) / span, sum(d[2] for d in past) / span

    def _count_hour(self, hour: float, against: int) -> None:
        hours = self.hours
        for i in range(len(hours) - 1, -1, -1):  # posts arrive nearly in order: the hour is at or near the end
            entry = hours[i]
            if entry[0] == hour:
                entry[1] += 1
                entry[2] += against
                if i < len(hours) - 1:
                    self._normal.clear()  # a past hour changed
                return
            if entry[0] < hour:
                hours.insert(i + 1, [hour, 1, against, 0])
                break
        else:
            hours.insert(0, [hour, 1, against, 0])
        self._normal.clear()
        while hours and hours[0][0] < hours[-1][0] - WEEK_HOURS * HOUR:
            del hours[0]

    def mark_stormy(self, at: float) -> None:
        """The brand surges or is in a backlash at ``at``: its hour is not part of its normal."""
        hour = at - at % HOUR
        for entry in reversed(self.hours):
            if entry[0] == hour:
                if not entry[3]:
                    entry[3] = 1
                    self._normal.clear()
                return
            if entry[0] < hour:
                return

    def normal(self, before: float, min_hours: int) -> tuple[float, float] | None:
        """The brand's normal in the week before epoch ``before``, its stormy hours left out: (people
        against it in a busy hour, the share of its mentions against it). A busy hour is busier than
        nine in ten of that week's hours with traffic, the brand at its daily peak (a tenth, not the
        busiest, so that an hour of a story of its own does not become the normal). None until that
        week holds ``min_hours`` ordinary hours with traffic (a brand just added, or whose collection
        has only just begun, has no normal yet: a few stray posts before it do not make one)."""
        last = before - before % HOUR - HOUR  # the last hour that ended by ``before``
        key = (last, min_hours)
        if key in self._normal:
            return self._normal[key]
        counts, said, against_all = [], 0.0, 0.0
        for hour, mentions, against, stormy in reversed(self.hours):
            if hour > last:
                continue
            if hour < last - WEEK_HOURS * HOUR:
                break
            if not stormy:
                counts.append(against)
                said += mentions
                against_all += against
        value: tuple[float, float] | None = None
        if len(counts) >= min_hours:
            counts.sort()
            value = (float(counts[math.ceil(BUSY * len(counts)) - 1]), against_all / max(1.0, said))
        if len(self._normal) > 64:
            self._normal.clear()
        self._normal[key] = value
        return value

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
        while self.against and self.against[0][0] < horizon:
            self.recent_against -= int(self.against[0][1])
            del self.against[0]
        self.people = _bounded(self.people, horizon)
        self.against_people = _bounded(self.against_people, horizon)


def _bounded(people: dict[str, float], horizon: float) -> dict[str, float]:
    """At most MAX_PEOPLE people, those seen within the horizon first, then the most recently seen."""
    if len(people) <= MAX_PEOPLE:
        return people
    people = {a: t for a, t in people.items() if t >= horizon}
    if len(people) > MAX_PEOPLE:  # still too many: the longest silent go
        keep = sorted(people, key=lambda a: (people[a], a))[len(people) - MAX_PEOPLE:]
        people = {a: people[a] for a in keep}
    return people


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
