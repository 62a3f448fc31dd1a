"""Platform pollers, one module per platform, each implementing ``monitor.interfaces.Source``.

The registry is explicit (``grep`` finds every source): the name is the config section
(``[sources.NAME]``), the target a class with its ``config_model`` and ``from_config``
(``monitor.interfaces.SourcePlugin``). Adding a source is its module, one line here, its tests and its
docs. A module is imported when a config is validated, since its section's keys live in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.interfaces import SourcePlugin

SOURCES: dict[str, str] = {
    "reddit": "sources.reddit:RedditSource",
    "x": "sources.x:XSource",
    "news": "sources.news:NewsSource",
    "hackernews": "sources.hackernews:HackerNewsSource",
    "bluesky": "sources.bluesky:BlueskySource",
    "mastodon": "sources.mastodon:MastodonSource",
}


def load_source_class(name: str) -> type[SourcePlugin]:
    """The class registered under ``name``; ``KeyError`` naming the known sources if there is none."""
    from monitor.config.plugins import load

    cls: type[SourcePlugin] = load(SOURCES, name, "source")
    return cls
