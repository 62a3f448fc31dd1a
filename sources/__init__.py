"""Platform pollers, one module per platform, each implementing ``monitor.interfaces.Source``.

The registry is explicit (``grep`` finds every source): the name is the config section
(``[sources.NAME]``), the target a class with its ``config_model`` and ``from_config``
(``monitor.interfaces.SourcePlugin``). Adding a source is its module, one line here, its tests and its
docs. A module is imported when a config is validated, since its section's keys live in it.
"""

from __future__ import annotations

import re
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
    "youtube": "sources.youtube:YouTubeSource",
    "googleplay": "sources.googleplay:GooglePlaySource",
    "threads": "sources.threads:ThreadsSource",
    "facebook": "sources.facebook:FacebookSource",
    "instagram": "sources.instagram:InstagramSource",
    "appstore": "sources.appstore:AppStoreSource",
    "trustpilot": "sources.trustpilot:TrustpilotSource",
}


def load_source_class(name: str) -> type[SourcePlugin]:
    """The class registered under ``name``; ``KeyError`` naming the known sources if there is none."""
    from monitor.config.plugins import load

    cls: type[SourcePlugin] = load(SOURCES, name, "source")
    return cls


def source_color(name: str) -> str | None:
    """The colour a registered source draws its line in (its class's ``color``), if it has one."""
    if name not in SOURCES:
        return None
    try:
        return getattr(load_source_class(name), "color", None)
    except (ImportError, KeyError):  # a plugin that cannot be loaded here draws in a spare colour
        return None


_POST_LINKS: list[tuple[str, re.Pattern[str]]] | None = None


def post_link(link: str) -> tuple[str, str] | None:
    """(source, post id) when ``link`` (normalised: no scheme, no "www.") is the address of a post on a
    platform a source reads (its class's ``post_link`` pattern, the id its first group): a quote or a
    link to a post is a tie to that post's thread."""
    global _POST_LINKS
    if _POST_LINKS is None:
        found = []
        for name in SOURCES:
            try:
                pattern = getattr(load_source_class(name), "post_link", None)
            except (ImportError, KeyError):
                continue
            if pattern is not None:
                found.append((name, pattern))
        _POST_LINKS = found
    for name, pattern in _POST_LINKS:
        m = pattern.match(link)
        if m:
            return name, m.group(1)
    return None
