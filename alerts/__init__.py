"""Alert channels: an explicit registry from name to class, imported lazily, and their wiring."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.alerting_config import AlertsConfig
    from monitor.interfaces import Channel

log = logging.getLogger("alerts")

CHANNELS = {
    "console": "alerts.console:ConsoleChannel",
    "slack": "alerts.slack:SlackChannel",
    "slack_webhook": "alerts.slack:SlackWebhookChannel",
    "webhook": "alerts.webhook:WebhookChannel",
    "email": "alerts.email:EmailChannel",
}


def load_channel_class(name: str) -> Any:
    module, _, attr = CHANNELS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def channels_from_config(cfg: AlertsConfig, *, pages_url: str | None = None) -> dict[str, Channel]:
    """The enabled channels of ``[alerts]``, by name; one left without its secret is skipped with a warning.
    ``pages_url`` (``[web] public_url``): Slack messages link to the incident's page there."""
    out: dict[str, Channel] = {}
    if cfg.console.enabled:
        out["console"] = load_channel_class("console")()
    sl = cfg.slack
    if sl is not None and sl.enabled:
        if sl.bot_token:
            out["slack"] = load_channel_class("slack")(sl.bot_token, sl.channel, api_base_url=sl.api_base_url,
                                                       timeout=sl.timeout, max_posts=sl.max_posts,
                                                       buttons=sl.buttons and bool(sl.app_token), pages_url=pages_url)
        elif sl.webhook_url:
            out["slack"] = load_channel_class("slack_webhook")(sl.webhook_url, timeout=sl.timeout,
                                                               max_posts=sl.max_posts, pages_url=pages_url)
        else:
            log.warning("slack alerts off: set alerts.slack.bot_token (or webhook_url)")
    wh = cfg.webhook
    if wh is not None and wh.enabled:
        if wh.url:
            out["webhook"] = load_channel_class("webhook")(wh.url, secret=wh.secret or None, timeout=wh.timeout)
        else:
            log.warning("webhook alerts off: alerts.webhook.url is empty")
    em = cfg.email
    if em is not None and em.enabled:
        out["email"] = load_channel_class("email")(em.host, em.sender, em.to, port=em.port, starttls=em.starttls,
                                                   ssl_=em.ssl, username=em.username or None,
                                                   password=em.password or None, timeout=em.timeout)
    return out
