"""Job periods as cron expressions, the only schedule procrastinate's periodic tasks know.

Every replica defers each periodic job for each tick, and the database keeps one job per tick (a
unique key on task, periodic id and tick time). That works only if every replica computes the same
ticks: the expression depends on nothing but the interval and the job's name.

Cron repeats within a minute, an hour or a day, so a period is one that divides them: 1-30 seconds
(2, 3, 4, 5, 6, 10, 12, 15, 20, 30), minutes likewise, 1-12 hours (2, 3, 4, 6, 8, 12), a day. An
interval in between runs at the longest such period not longer than asked (7m runs every 6m): the
monitor keeps its promise of "at least this often", and quotas still cap what a source costs. Jobs
of the same period start at different offsets within it (like APScheduler's jitter, but the same on
every replica), so that the sources are not all polled in the same second.
"""

from __future__ import annotations

import hashlib

_DIVISORS_60 = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_DIVISORS_24 = (1, 2, 3, 4, 6, 8, 12)
PERIODS: tuple[int, ...] = (*_DIVISORS_60, *(60 * m for m in _DIVISORS_60), *(3600 * h for h in _DIVISORS_24), 86400)


def period_for(interval: float) -> int:
    """The longest period cron can repeat at that is not longer than ``interval`` seconds (at least 1 s)."""
    return max((p for p in PERIODS if p <= interval), default=PERIODS[0])


def cron_for(interval: float, job: str) -> str:
    """A cron expression (seconds as an optional sixth field) firing every ``period_for(interval)``,
    at an offset within the period derived from ``job``'s name."""
    period = period_for(interval)
    if period < 60:
        return f"* * * * * {_offset(job, period)}-59/{period}"
    if period < 3600:
        step = period // 60
        return f"{_offset(job, step)}-59/{step} * * * *"
    if period < 86400:
        step = period // 3600
        return f"{_offset(job, 60)} {_offset(job, step)}-23/{step} * * *"
    return f"{_offset(job, 60)} {_offset(job, 24)} * * *"


def _offset(job: str, modulus: int) -> int:
    digest = hashlib.blake2b(job.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulus
