"""Small helpers shared by the sources: one requests session per source, lenient numbers, and the tally
of what an answer held that could not be used."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import ProxyManager

from monitor.sanitize import valid_count, valid_time
from sources._limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_REQUEST_DEADLINE,
    POOLS,
    AnswerTooLarge,
    DeadlineExceeded,
    Watchdog,
    deadline_for,
    read_body,
)


class _Adapter(HTTPAdapter):
    """Forces our timeout on every request, bounds each answer (sources/_limits.py) and, optionally,
    moves one origin to another base URL."""

    def __init__(self, timeout: float, move_from: str | None = None, move_to: str | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, request_deadline: float = DEFAULT_REQUEST_DEADLINE,
                 key: str = "sources"):
        super().__init__()
        self.timeout = timeout
        self.move_from = move_from.rstrip("/") if move_from else None
        self.move_to = move_to.rstrip("/") if move_to else None
        self.max_bytes, self.request_deadline, self.key = max_bytes, request_deadline, key

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOLS  # connections that let the watchdog in

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # an HTTP(S) proxy from the environment; SOCKS keeps its own pools
            manager.pool_classes_by_scheme = POOLS
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        # Libraries pass their own timeout (prawcore: 16 s) or none at all (tweepy): ours wins.
        kwargs["timeout"] = self.timeout
        kwargs["stream"] = True  # the body is read here, within bounds, not by requests
        if self.move_from and self.move_to and request.url and request.url.startswith(self.move_from):
            request.url = self.move_to + request.url[len(self.move_from) :]
        at, why = deadline_for(self.request_deadline, self.key)
        if at <= time.monotonic():
            raise DeadlineExceeded(f"no time left within {why}")
        with Watchdog(at) as watch:
            try:
                response = super().send(request, *args, **kwargs)
                try:
                    response._content = read_body(response.raw, self.max_bytes, at, self.key, why)
                except BaseException:
                    response.close()  # the rest is unread: the connection cannot serve another request
                    raise
            except requests.RequestException as exc:
                if watch.fired and not isinstance(exc, AnswerTooLarge):  # the watchdog cut it short
                    raise DeadlineExceeded(f"no complete answer within {why}") from None
                raise
        response._content_consumed = True  # type: ignore[attr-defined]
        return _defuse(response)


MAX_DEPTH = 200
_BRACKETS = re.compile(rb"[\[\]{}]")


def _too_deep(body: bytes) -> bool:
    """A JSON bomb (nesting deep enough to exhaust the parser's recursion) in an API answer?"""
    depth = 0
    for m in _BRACKETS.finditer(body):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            # Brackets inside strings count too; only a real parse can tell a bomb from odd text.
            try:
                json.loads(body)
            except RecursionError:
                return True
            except ValueError:
                return False
            return False
    return False


def _defuse(response: requests.Response) -> requests.Response:
    """Turn a hostile answer into a plain server error before any library parses it: the libraries
    (tweepy, prawcore) would otherwise die of a RecursionError instead of raising their own errors."""
    if "json" in response.headers.get("content-type", "") and _too_deep(response.content):
        response.status_code = 502
        response.reason = "Bad Gateway (answer nested too deeply)"
        response._content = b'{"error": "answer nested too deeply"}'
    return response


def make_session(timeout: float, *, move_from: str | None = None, move_to: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, request_deadline: float = DEFAULT_REQUEST_DEADLINE,
                 key: str = "sources") -> requests.Session:
    """A session whose every request times out after ``timeout`` s per socket operation, ends by
    ``request_deadline`` s (or the poll's deadline) and refuses answers over ``max_bytes`` decoded;
    ``key`` (``sources.x``) names the settings in errors.

    With ``move_from``/``move_to``, requests addressed to ``move_from`` (a library's hard-coded
    origin) go to ``move_to`` instead, path and query kept.
    """
    session = requests.Session()
    adapter = _Adapter(timeout, move_from, move_to, max_bytes=max_bytes, request_deadline=request_deadline, key=key)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def normalize_base_url(url: str) -> str:
    """``url`` without a trailing slash; a bare host keeps no path. Rejects what is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"api_base_url must be an http(s) URL, got {url!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class Drops:
    """What a source's answers held that it could not use, by kind: ``post`` (left out: no id, no
    text, no usable date) and ``number`` (a count that is not one, or absurd: made unknown). The
    monitor takes the tally after each poll and re-read, for its logs and metrics; a source's poll
    and re-read may run at once on two threads, hence the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, what: str, n: int = 1) -> None:
        if n:
            with self._lock:
                self._counts[what] = self._counts.get(what, 0) + n

    def take(self) -> dict[str, int]:
        """The tally since the last ``take``, reset."""
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts


_INTEGER = re.compile(r"\s*-?[0-9]{1,20}\s*")


def count(value: Any, drops: Drops | None = None) -> int | None:
    """A platform count as an int, or ``None`` when absent or unusable (unknown is not zero).

    The rule is monitor.sanitize's (finite, at most 10^12, negatives count 0); a value present but
    unusable (``1e308``, ``"NaN"``, ``{}``) is counted in ``drops``.
    """
    if value is None:
        return None
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    try:
        return valid_count(value)
    except ValueError:
        if drops is not None:
            drops.add("number")
        return None


def number(value: Any) -> float | None:
    """A finite int or float as a float, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def epoch_to_utc(value: Any) -> datetime | None:
    """Reddit's ``created_utc`` (epoch seconds) as an aware datetime, or ``None`` if unusable."""
    seconds = number(value)
    if seconds is None:
        return None
    try:
        return valid_time(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return None
