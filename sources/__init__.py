"""Platform pollers, one module per platform, each implementing ``monitor.interfaces.Source``.

The registry is explicit (``grep`` finds every source) and imports lazily, so a deployment that
does not enable a source never imports its client library.
"""

from __future__ import annotations

import importlib
from typing import Any

SOURCES: dict[str, str] = {
    "reddit": "sources.reddit:RedditSource",
    "x": "sources.x:XSource",
    "news": "sources.news:NewsSource",
    "hackernews": "sources.hackernews:HackerNewsSource",
    "bluesky": "sources.bluesky:BlueskySource",
    "mastodon": "sources.mastodon:MastodonSource",
}


def load_source_class(name: str) -> type[Any]:
    """The class registered under ``name``; ``KeyError`` naming the known sources if there is none."""
    try:
        target = SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(SOURCES)})") from None
    module_name, _, class_name = target.partition(":")
    cls: type[Any] = getattr(importlib.import_module(module_name), class_name)
    return cls
