"""The interfaces between the three rooms, side by side: sources, channels, the clock, and what the
registries (``sources.SOURCES``, ``alerts.CHANNELS``) name: a plugin class with its config model.

A source knows nothing of scoring or Slack; a channel knows nothing of Reddit. Both depend only on
``monitor.models`` (and their config on ``monitor.config.sources`` / ``monitor.config.alerting``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

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


class SourcePlugin(Protocol):
    """A source class as ``sources.SOURCES`` names it. ``config_model`` is its ``[sources.NAME]``
    section: a ``monitor.config.sources.SourceBase`` with its own keys, secrets typed
    ``monitor.config.secrets.Secret``. ``from_config`` builds the source from a validated section; a
    ``ValueError`` it raises is reported as a config error naming the section."""

    config_model: ClassVar[type[Any]]

    @classmethod
    def from_config(cls, config: Any, *, clock: Clock) -> Source: ...


class ChannelPlugin(Protocol):
    """A channel class as ``alerts.CHANNELS`` names it. ``config_model`` is its ``[alerts.NAME]``
    section: a ``monitor.config.alerting.ChannelSettings`` that also says whether the channel is off
    and where it sends (for ``check-config``). ``from_config`` builds the channel from a section that is
    on; ``pages_url`` is where the incident pages are served (``[web] public_url``), if anywhere."""

    config_model: ClassVar[type[Any]]

    @classmethod
    def from_config(cls, config: Any, *, pages_url: str | None = None) -> Channel: ...
