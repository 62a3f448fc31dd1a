"""Alert channels: an explicit registry from name to class, and their wiring.

The name is the config section (``[alerts.NAME]``) and what routes call the channel; the target a
class with its ``config_model`` and ``from_config`` (``monitor.interfaces.ChannelPlugin``). Adding a
channel is its module, one line here, its tests and its docs. A module is imported when a config is
validated, since its section's keys live in it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.config.routing import AlertsConfig
    from monitor.interfaces import Channel, ChannelPlugin

log = logging.getLogger("alerts")

CHANNELS: dict[str, str] = {
    "console": "alerts.console:ConsoleChannel",
    "slack": "alerts.slack:SlackChannel",
    "webhook": "alerts.webhook:WebhookChannel",
    "email": "alerts.email:EmailChannel",
}


def load_channel_class(name: str) -> type[ChannelPlugin]:
    """The class registered under ``name``; ``KeyError`` naming the known channels if there is none."""
    from monitor.config.plugins import load

    cls: type[ChannelPlugin] = load(CHANNELS, name, "channel")
    return cls


def channels_from_config(cfg: AlertsConfig, *, pages_url: str | None = None) -> dict[str, Channel]:
    """The enabled channels of ``[alerts]``, by name; one left without what it needs (its secret, its
    URL) is skipped with a warning. ``pages_url`` (``[web] public_url``): alerts link to incident pages."""
    out: dict[str, Channel] = {}
    for name in cfg.names():
        section = cfg.section(name)
        if section is None:
            continue
        why = section.off_reason()
        if why is None:
            out[name] = load_channel_class(name).from_config(section, pages_url=pages_url)
        elif section.enabled:
            log.warning(f"{name} alerts off: {why}")
    return out
