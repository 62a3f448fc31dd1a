"""The interfaces between the three rooms, side by side: sources, channels, the clock.

A source knows nothing of scoring or Slack; a channel knows nothing of Reddit. Both depend only on
``monitor.models``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from monitor.models import AlertEvent, BrandQuery, Observation, PollResult

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime. Injected everywhere; tests pass a fake."""


@runtime_checkable
class Source(Protocol):
    """A platform poller. Raise ``monitor.errors.SourceError`` (or ``RateLimited``) on failure."""

    name: str

    def poll(self, brands: Sequence[BrandQuery], cursor: dict[str, Any]) -> PollResult:
        """New mentions since ``cursor`` (as returned by the previous poll; ``{}`` at first)."""
        ...

    def refresh(self, ids: Sequence[str]) -> list[Observation]:
        """Re-read current engagement of posts still being watched, in batches."""
        ...


@runtime_checkable
class Channel(Protocol):
    """An alert channel. ``send`` raises ``monitor.errors.ChannelError`` on failure.

    ``state`` is what the channel stored for this incident last time (e.g. a Slack message ``ts``);
    the returned dict replaces it, so a channel can update its message in place.
    """

    name: str

    def send(self, event: AlertEvent, state: dict[str, Any]) -> dict[str, Any]: ...
