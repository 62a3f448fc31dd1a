"""A wall-clock deadline for the work of the current thread (a poll), which every HTTP request made
inside it respects (sources/_limits.py): a poll of many requests ends by its deadline even when each
request stays inside its own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[tuple[float, str] | None] = ContextVar("monitor_deadline", default=None)


@contextmanager
def scope(seconds: float, key: str) -> Iterator[None]:
    """Work inside ends ``seconds`` from now; ``key`` names the setting (``sources.x.poll_deadline``)."""
    at = time.monotonic() + seconds
    outer = _CURRENT.get()
    token = _CURRENT.set((at, f"{key} ({seconds:g}s)") if outer is None or at < outer[0] else outer)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> tuple[float, str] | None:
    """(monotonic deadline, the setting that set it) of the innermost scope, or ``None``."""
    return _CURRENT.get()
