"""The interfaces between the three rooms, side by side: sources, channels, the clock, what the
registries (``sources.SOURCES``, ``alerts.CHANNELS``) name (a plugin class with its config model), and
the storage the alert stages and the Slack buttons reach (``Store``), so that no SQL lives in alerts/.

A source knows nothing of scoring or Slack; a channel knows nothing of Reddit. Both depend only on the
shared vocabulary: ``monitor.models``, this module, the errors, retries, sanitising, timestamps,
redaction and the config (their sections on ``monitor.config.sources`` / ``monitor.config.routing``);
``VOCABULARY`` in tests/test_layout.py lists its modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from monitor.models import AlertEvent, BrandQuery, IncidentStatus, Observation, PollResult, Silence

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


UNCERTAIN = "_uncertain"
"""Set in the ``state`` given to ``Channel.send`` when an earlier attempt of this alert may have arrived
(a crash or a timeout may have hidden a success): a channel able to look finds what it already posted."""


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
    section: a ``monitor.config.routing.ChannelSettings`` that also says whether the channel is off
    and where it sends (for ``check-config``). ``from_config`` builds the channel from a section that is
    on; ``pages_url`` is where the incident pages are served (``[web] public_url``), if anywhere."""

    config_model: ClassVar[type[Any]]

    @classmethod
    def from_config(cls, config: Any, *, pages_url: str | None = None) -> Channel: ...


class Store(Protocol):
    """What the alert stages (``monitor.alerting.chain``) and the Slack buttons (``alerts.buttons``) need
    of storage; ``monitor.storage.store.Store`` implements it. Each call is one transaction."""

    def alert_context(self, incident: str, at: datetime) -> tuple[list[Silence], IncidentStatus]:
        """The silences stored as active at ``at`` and what people did with ``incident``: all the
        router reads before an alert, in one transaction."""
        ...

    def add_silence(self, matcher: dict[str, str], *, starts: datetime, ends: datetime,
                    created_by: str | None, comment: str) -> int:
        """Store a silence; returns its id."""
        ...

    def incident_status(self, incident: str) -> IncidentStatus: ...

    def record_action(self, incident: str, action: str, at: datetime, *, until: datetime | None = None,
                      user: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """Store what someone did with an incident (``monitor.storage.actions.ACTIONS``)."""
        ...

    def channel_state(self, incident: str, channel: str) -> dict[str, Any]:
        """What a channel kept for an incident (e.g. the Slack message it posted); ``{}`` if nothing."""
        ...

    def incident_labels(self, since: datetime | None) -> list[tuple[str, str, datetime, str | None, str | None]]:
        """(incident, action, at, user, brand) of every acknowledgement and "not a complaint", oldest first."""
        ...

    def reminders_due(self, due: datetime) -> list[Any]:
        """Incidents alerted at their tier, last alerted before ``due`` and active since: each with its
        id, alerted_tier, score, mentions, authors, state, and the ``event`` and id (``last_id``) of its
        last outbox row."""
        ...

    def queue_alerts(self, rows: list[dict[str, Any]]) -> int:
        """Add outbox rows, skipping any already queued (same dedup key); returns how many went in."""
        ...
