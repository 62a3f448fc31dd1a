"""SIGTERM and SIGINT for the daemon's main thread: the handlers only count them; the main thread waits
for the count and does the stopping itself.

Python runs a signal handler in the main thread, but the kernel may hand the signal to any thread. The
main thread, asleep in a lock wait (as APScheduler's BlockingScheduler sleeps until its next job), would
run the handler only when that wait ends, minutes later. Here the main thread sleeps in ``select`` on a
socket that CPython's C-level handler writes to (``signal.set_wakeup_fd``) in whichever thread got the
signal, so it wakes at once. Stopping from the main loop, not from inside a handler, also means a second
signal cannot catch a stop half-done.
"""

from __future__ import annotations

import select
import signal
import socket
import time
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """Use in the main thread: ``with StopSignals() as s: ... s.wait(1)``. Handlers and the wakeup fd
    in place before are put back on exit."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._old: dict[int, Any] = {}
        self._old_fd = -1
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)

    def __enter__(self) -> StopSignals:
        self._old_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._old = {sig: signal.signal(sig, self._count) for sig in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._old_fd)
        self._read.close()
        self._write.close()

    def _count(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)

    def wait(self, count: int, timeout: float | None = None) -> bool:
        """Sleep until ``count`` signals have arrived in all (True) or ``timeout`` s passed (False)."""
        until = None if timeout is None else time.monotonic() + timeout
        while len(self.received) < count:
            left = 1.0 if until is None else until - time.monotonic()
            if left <= 0:
                return False
            # At most a second at a time: should a wakeup ever be missed, the handler runs next round.
            select.select([self._read], [], [], min(left, 1.0))
            self._drain()
        return True

    def name(self, index: int) -> str:
        return signal.Signals(self.received[index]).name if index < len(self.received) else "?"

    def _drain(self) -> None:
        try:
            while self._read.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass
