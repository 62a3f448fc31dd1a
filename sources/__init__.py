"""Platform pollers, one module per platform, each implementing ``monitor.interfaces.Source``.

The registry is explicit (``grep`` finds every source): the name is the config section
(``[sources.NAME]``), the target a class with its ``config_model`` and ``from_config``
(``monitor.interfaces.SourcePlugin``). Adding a source is its module, one line here, its tests and its
docs. A module is imported when a config is validated, since its section's keys live in it.
"""

from __future__ import annotations

from typing import Any

SOURCES: dict[str, str] = {
    "reddit": "sources.reddit:RedditSource",
    "x": "sources.x:XSource",
    "news": "sources.news:NewsSource",
    "hackernews": "sources.hackernews:HackerNewsSource",
    "bluesky": "sources.bluesky:BlueskySource",
    "mastodon": "sources.mastodon:MastodonSource",
}


def load_source_class(name: str) -> Any:
    """The class registered under ``name``; ``KeyError`` naming the known sources if there is none."""
    from monitor.plugins import load

    return load(SOURCES, name, "source")
