"""When to try again: the wait an API asks for, and exponential back-off when it asks for none.

Nothing here sleeps. The monitor never retries in a loop around a call: a failed poll is tried again
by the scheduler once its source's back-off has passed (monitor/daemon/source_health.py), a failed alert by
the outbox once its row's next attempt is due, both on the injected clock. So this module only
computes waits; sources, channels and the outbox all take them from here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# Retry-After (RFC 9110: seconds or an HTTP date), then the rate-limit reset headers of the APIs we
# read: Bluesky's ratelimit-reset (epoch seconds), Reddit's x-ratelimit-reset (seconds) and
# Mastodon's X-RateLimit-Reset (an ISO 8601 time), X's x-rate-limit-reset (epoch seconds).
WAIT_HEADERS = ("retry-after", "ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset")
_EPOCH = 10**8  # a number of seconds above this is a point in time, not a delay
MAX_WAIT = 86400.0  # a longer wait is taken as a day: the API is then more likely wrong than right, and an
#                     absurd one (10**11 s) would overflow the clock of whatever waits for it


def retry_after(headers: Mapping[str, Any] | None, now: datetime | None = None, *,
                names: Sequence[str] = WAIT_HEADERS, default: float | None = None) -> float | None:
    """Seconds to wait, from the first of ``names`` (any case) that holds a usable value: a delay in
    seconds, an epoch time or an ISO 8601 / HTTP date (measured from ``now``, default the wall clock),
    between 0 and ``MAX_WAIT``. ``default`` when none does; negative, infinite and unparsable values
    count as none."""
    for name in names:
        raw = _header(headers or {}, name)
        if raw is None:
            continue
        wait = _seconds(name, raw.strip(), now)
        if wait is not None:
            return min(wait, MAX_WAIT)
    return default


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # requests' headers ignore case; a plain dict (slack_sdk's) does not
        value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), None)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def _seconds(name: str, raw: str, now: datetime | None) -> float | None:
    try:
        value: float | None = float(raw)
    except ValueError:
        value = None
    if value is not None:
        if not math.isfinite(value) or value < 0:
            return None
        if name == "retry-after" or value < _EPOCH:  # a delay
            return value
        return max(0.0, value - _now(now).timestamp())
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - _now(now)).total_seconds())


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def backoff(failures: int, *, base: float, cap: float, jitter: float = 0.0) -> float:
    """Seconds before attempt ``failures + 1``: ``base`` doubled per failure after the first, at most
    ``cap``, then spread by ±``jitter`` (a fraction) so that many failing parts do not retry in step."""
    delay = min(cap, base * 2 ** min(max(failures, 1) - 1, 10))
    return delay * random.uniform(1 - jitter, 1 + jitter) if jitter else delay  # noqa: S311 - jitter, not crypto
