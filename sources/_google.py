"""What the Google API sources (YouTube, Google Play) share: one request whose failure is read from
Google's JSON error body, not just its status.

Google answers ``{"error": {"code": 403, "message": "...", "errors": [{"domain": "youtube.quota",
"reason": "quotaExceeded", ...}], "status": "PERMISSION_DENIED"}}``; the OAuth token endpoint answers
``{"error": "invalid_grant", "error_description": "..."}``. The same 403 means "the day's quota is
spent, come back after midnight Pacific" (a wait, not a config problem), "this video's comments are
off" (skip it) or "no permission" (a config problem): ``GoogleClient.get`` tells them apart.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from monitor.errors import RateLimited, SourceError
from monitor.retry import retry_after
from sources._rest import RestClient

PACIFIC = ZoneInfo("America/Los_Angeles")  # where Google's daily quotas reset, at midnight
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"})
_PERMANENT = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone"}
_TAG = re.compile(r"<[^>]{0,200}>")


class GoogleError(SourceError):
    """A Google API failure with the ``reason`` its body gave (``commentsDisabled``, ``forbidden``...)."""

    def __init__(self, message: str, *, status: int, reason: str | None, retry_after: float | None = None,
                 permanent: bool = False):
        super().__init__(message, retry_after=retry_after, permanent=permanent)
        self.status, self.reason = status, reason


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(reason, message) of a Google error body, either shape; (None, None) when it is neither."""
    if not isinstance(body, dict):
        return None, None
    err = body.get("error")
    if isinstance(err, str):  # the OAuth token endpoint
        desc = body.get("error_description")
        return err[:100], desc[:300] if isinstance(desc, str) else None
    if not isinstance(err, dict):
        return None, None
    errors = err.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = first.get("reason") if isinstance(first.get("reason"), str) else None
    status = err.get("status") if isinstance(err.get("status"), str) else None
    message = err.get("message") if isinstance(err.get("message"), str) else None
    return (reason or status), (_TAG.sub("", message)[:300] if message else None)


def until_quota_reset(now: datetime) -> float:
    """Seconds from ``now`` to the next midnight in Pacific time, when Google's daily quotas reset."""
    local = now.astimezone(PACIFIC)
    midnight = datetime(local.year, local.month, local.day, tzinfo=PACIFIC) + timedelta(days=1)
    return max(60.0, (midnight - local).total_seconds())


class GoogleClient(RestClient):
    """``RestClient`` whose failures carry Google's reason: ``RateLimited`` for a rate limit (429 or
    its reasons) and for a spent daily quota (waiting until midnight Pacific), ``GoogleError``
    otherwise (permanent for 400/401/403/404/410); a 304 is a failure too. ``data`` posts a form (the
    OAuth token request)."""

    def failure(self, where: str, response: requests.Response, *, raw: bool = False) -> SourceError | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        try:
            reason, message = error_details(response.json())
        except ValueError:
            reason, message = None, None
        said = self._redact(f"{where}: HTTP {status}" + (f" ({reason}" if reason else "")
                            + (f": {message})" if reason and message else (")" if reason else "")))
        if reason in QUOTA_REASONS:
            wait = until_quota_reset(self.clock())
            return RateLimited(f"{said}: the day's quota is spent until midnight Pacific", retry_after=wait)
        if status == 429 or reason in RATE_REASONS:
            return RateLimited(said, retry_after=retry_after(response.headers, self.clock()))
        if status in _PERMANENT:
            return GoogleError(said if reason else f"{said} ({_PERMANENT[status]})", status=status, reason=reason,
                               permanent=True)
        later = retry_after(response.headers, self.clock()) if status == 503 else None
        return GoogleError(said, status=status, reason=reason, retry_after=later)
