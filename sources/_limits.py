"""Bounds on one HTTP answer, for every source: its decoded size and a wall-clock deadline.

requests' ``timeout`` limits each socket operation, not the whole answer: headers followed by one
byte a second never time out, and a gzip answer of 800 KB that expands to 800 MiB is decoded whole.
Here the body is read in pieces, decoded as it comes (urllib3 2.6+ bounds each piece's
decompression), and abandoned past ``max_bytes``; a watchdog shuts the socket down when the deadline
passes, so a read blocked on a trickle wakes up wherever it is (headers or body).

The deadline is the request's own (``request_deadline``) or, if sooner, that of the job around it:
``monitor.deadline.scope`` (a poll's ``poll_deadline``).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import DecodeError, HTTPError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse

from monitor import deadline

CHUNK = 64 * 1024
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_REQUEST_DEADLINE = 60.0


class AnswerTooLarge(requests.exceptions.RequestException):
    """The answer (decoded) is larger than the source accepts."""


class DeadlineExceeded(requests.exceptions.Timeout):
    """No complete answer before the deadline."""


def size_text(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 1024:g} KiB"


class Watchdog:
    """Shuts down the socket of the request in flight on this thread once ``at`` (monotonic) passes."""

    _current = threading.local()

    def __init__(self, at: float):
        self.fired = False
        self._sock: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, at - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        Watchdog._current.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        Watchdog._current.watch = None

    @classmethod
    def arm(cls, sock: Any) -> None:
        """Called by the connection when it starts waiting for an answer on ``sock``."""
        watch = getattr(cls._current, "watch", None)
        if watch is not None:
            with watch._lock:
                watch._sock = sock
            if watch.fired:
                watch._fire()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read with an end of stream
            except OSError:
                pass  # already closed


class _Connection(HTTPConnection):
    def getresponse(self) -> Any:
        Watchdog.arm(self.sock)
        return super().getresponse()


class _TLSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        Watchdog.arm(self.sock)
        return super().getresponse()


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


POOLS = {"http": _Pool, "https": _TLSPool}


def read_body(raw: BaseHTTPResponse, max_bytes: int, at: float, key: str, why: str) -> bytes:
    """The decoded body, read piece by piece until the end, ``max_bytes`` or the deadline ``at``
    (``why`` names the setting behind it)."""
    declared = raw.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise AnswerTooLarge(f"answer of {size_text(int(declared))} is over {key}.max_response_size "
                             f"({size_text(max_bytes)})")
    body = bytearray()
    while True:
        if time.monotonic() >= at:
            raise DeadlineExceeded(f"no complete answer within {why}")
        try:
            piece = raw.read1(CHUNK, decode_content=True)
        except ReadTimeoutError:  # as requests words urllib3's errors when it reads a body itself
            raise requests.exceptions.ReadTimeout("the answer stopped arriving") from None
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(str(exc)) from None
        except HTTPError as exc:
            raise requests.exceptions.ConnectionError(str(exc)) from None
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_bytes:
            raise AnswerTooLarge(f"answer over {key}.max_response_size ({size_text(max_bytes)})")


def deadline_for(request_deadline: float, key: str) -> tuple[float, str]:
    """The monotonic time by which an answer must be complete, and the config key that set it."""
    at, why = time.monotonic() + request_deadline, f"{key}.request_deadline ({request_deadline:g}s)"
    job = deadline.current()
    if job is not None and job[0] < at:
        at, why = job
    return at, why
