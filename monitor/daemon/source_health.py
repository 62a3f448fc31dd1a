"""What the monitor knows of each source's health: for its polls and, apart, for its re-reads of
engagement, the failure streak, the back-off and the last error (``Monitor.status()``, the logs and the
metrics show them).

Polls and re-reads back off separately: a failing search says nothing of the look-up endpoint, and a
shared counter made the back-off double twice as fast.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.config.secrets import redact
from monitor.errors import RateLimited, SourceError
from monitor.retry import backoff

MAX_BACKOFF = 3600.0
BASE_BACKOFF = 30.0


@dataclass
class Attempts:
    """One job's record (a source's polls, or its re-reads)."""

    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0  # in a row, since the last success
    failing_since: datetime | None = None
    next_allowed: datetime | None = None
    last_reported: datetime | None = None
    last_error_at: datetime | None = None
    backoff: float = 0.0  # seconds of the current back-off (0 when healthy)
    permanent: bool = False  # the last error will not go away by waiting (credentials, a wrong URL)

    def due(self, now: datetime) -> bool:
        return self.next_allowed is None or now >= self.next_allowed

    def failed(self, exc: BaseException, now: datetime) -> float:
        """Record a failure; returns the back-off (seconds) before the next attempt."""
        self.failures += 1
        self.failing_since = self.failing_since or now
        self.last_error, self.last_error_at = redact(describe(exc)), now
        self.permanent = isinstance(exc, SourceError) and exc.permanent
        if self.permanent:
            delay = MAX_BACKOFF
        elif isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = exc.retry_after
        else:
            delay = backoff(self.failures, base=BASE_BACKOFF, cap=MAX_BACKOFF, jitter=0.2)
        self.backoff, self.next_allowed = delay, now + timedelta(seconds=delay)
        return delay

    def report_due(self, now: datetime) -> bool:
        """A failing source is reported once an hour, not once per attempt."""
        if self.last_reported is None or now - self.last_reported >= timedelta(hours=1):
            self.last_reported = now
            return True
        return False

    def succeeded(self, now: datetime) -> tuple[int, float] | None:
        """Record a success; (failures, seconds failing) when it ends a failure streak, else ``None``."""
        ended = (self.failures, (now - self.failing_since).total_seconds()) if self.failures and self.failing_since else None
        self.last_success, self.failures, self.failing_since, self.next_allowed = now, 0, None, None
        self.backoff, self.permanent, self.last_reported = 0.0, False, None
        return ended

    def as_dict(self) -> dict[str, Any]:
        state = "ok" if not self.failures else ("failing" if self.permanent or self.failures >= 3 else "backing off")
        return {"state": state, "last_success": self.last_success, "last_error": self.last_error,
                "last_error_at": self.last_error_at, "failures": self.failures, "backoff_seconds": round(self.backoff, 1),
                "next_allowed": self.next_allowed, "permanent": self.permanent}


@dataclass
class SourceHealth(Attempts):
    """A source's polls (the fields of ``Attempts``) and its re-reads (``reobserve``)."""

    quota_wait_until: datetime | None = None  # polls skipped until then to stay inside the budget
    reobserve: Attempts = field(default_factory=Attempts)

    def of(self, job: str) -> Attempts:
        return self if job == "poll" else self.reobserve

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"quota_wait_until": self.quota_wait_until, "reobserve": self.reobserve.as_dict()}


class BatchError(Exception):
    """Storing a source's batch failed (the database, or data it refused): rolled back whole, cursor too."""


def describe(exc: BaseException) -> str:
    """One line for logs and status: a source's own message, or the kind and first line of anything else
    (a database error's first line names the constraint; the rest repeats the statement and its data)."""
    if isinstance(exc, SourceError):
        return str(exc)
    if isinstance(exc, BatchError) and exc.__cause__ is not None:
        return f"{exc}: {describe(exc.__cause__)}"[:300]
    first = (str(exc).strip().splitlines() or [""])[0]
    return (f"{type(exc).__name__}: {first}" if first else type(exc).__name__)[:300]


def log_sources_off(log: logging.Logger, off: Mapping[str, str]) -> None:
    """Each source that is off and why: a warning when it lacks credentials (likely not meant), info
    when the config switches it off on purpose."""
    from monitor.config.sources import off_on_purpose

    for name, why in sorted(off.items()):
        level = logging.INFO if off_on_purpose(why) else logging.WARNING
        log.log(level, "source off", extra={"source": name, "reason": why})
