"""What a channel may offer beyond ``send``, found on its class or instance through the registry
(``alerts.CHANNELS``): the core calls the capability, never the channel's module.

- ``listener(config, *, store, clock)`` (a class method): something that hears people act on the
  channel's messages (Slack's buttons over Socket Mode), with ``start()`` and ``stop()``; ``None``
  when the section does not ask for it.
- ``note(state, text)``: a note under the incident's message (a reply in its Slack thread), where
  ``state`` is what the channel stored for the incident; raises ``ChannelError``.
- ``with_stream(stream)``: the same channel writing to another stream (a terminal channel).
- a ``link`` in the state ``send`` returns: where the incident's message is (a permalink).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from monitor.config.secrets import redact
from monitor.errors import ChannelError
from monitor.interfaces import Channel, Clock

log = logging.getLogger("monitor.channels")


class Listener(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def start_listeners(config: Any, store: Any, clock: Clock) -> list[Listener]:
    """Start every enabled channel's listener (``config``: the ``[alerts]`` section). One that fails is
    reported and left out: alerts still go out without it."""
    from alerts import load_channel_class  # the registry

    started: list[Listener] = []
    for name in config.names():
        section = config.section(name)
        if section is None or section.off_reason() is not None:
            continue
        make = getattr(load_channel_class(name), "listener", None)
        if make is None:
            continue
        try:
            listener = make(section, store=store, clock=clock)
            if listener is not None:
                listener.start()
                started.append(listener)
        except Exception as exc:  # noqa: BLE001 - a listener is a convenience; alerts go out without it
            log.error("channel listener unavailable", extra={"channel": name, "error": redact(str(exc))})
    return started


def stop_listeners(listeners: list[Listener]) -> None:
    for listener in listeners:
        listener.stop()


def note_everywhere(channels: dict[str, Channel], states: dict[str, dict[str, Any]], text: str) -> list[str]:
    """Note ``text`` under the incident's message in every channel that holds one and can; returns a
    warning for each that holds one but could not (not configured here, or it failed)."""
    warnings: list[str] = []
    for name, state in sorted(states.items()):
        if not state:
            continue
        channel = channels.get(name)
        note = getattr(channel, "note", None)
        if channel is None:
            warnings.append(f"recorded, but not noted under the incident's {name} message: [alerts.{name}] is not "
                            "set up here (the daemon's config and environment have it)")
            continue
        if note is None:
            continue
        try:
            note(state, text)
        except ChannelError as exc:
            warnings.append(f"recorded, but not noted under the incident's {name} message: {exc}")
    return warnings
